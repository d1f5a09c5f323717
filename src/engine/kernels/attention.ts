import { dispatch, foldWorkgroups, pipeline, type Bindable, type DispatchWork } from '../compute.ts';
import { bindingBytes, checkDims } from './checks.ts';
import { params } from './params.ts';
import { unrollQuadLoops } from './unrollQuads.ts';
import code from './attention.wgsl?raw';
import { attentionFlash } from './attentionFlash.ts';
import { attentionSplit, MAX_SPLIT_ROW_HEADS, SPLIT_ATTENTION_ROWS } from './attentionSplit.ts';
import { kernelFamily } from '../kernelFamily.ts';

export const MAX_HEAD_DIM = 128;
/**
 * Rows one thread of the emulator's attention takes (ROWS in attention.wgsl and the backward), sharing each
 * partner row's loads: 4 for heads up to 32 wide, fewer for wider ones, since the unrolled kernel holds rows ×
 * quads copies of its loop bodies and SwiftShader's compile time grows with them (a minute at 4 × 32).
 */
export function emulatorBlockRows(headDim: number): number {
  return Math.max(1, Math.min(4, Math.floor(128 / headDim)));
}

/** R query rows, their heads, and where the heads sit in q's and k, v's rows (shared by the backward and the twin). */
export interface AttentionLayout {
  R: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  /** Defaults: q dense [R, nHeads · d]; k, v dense [rows, nKvHeads · d]. */
  qRowStride?: number;
  qColOffset?: number;
  kvRowStride?: number;
  kColOffset?: number;
  vColOffset?: number;
}

/** The layout with its defaults filled in, checked for what the kernels read as vec4s. */
export function resolvedLayout(
  a: AttentionLayout & { q: Bindable; k: Bindable; v: Bindable },
): Required<AttentionLayout> {
  const l = {
    ...a,
    qRowStride: a.qRowStride ?? a.nHeads * a.headDim,
    qColOffset: a.qColOffset ?? 0,
    kvRowStride: a.kvRowStride ?? a.nKvHeads * a.headDim,
    kColOffset: a.kColOffset ?? 0,
    vColOffset: a.vColOffset ?? 0,
  };
  const { headDim, qRowStride, qColOffset, kvRowStride, kColOffset, vColOffset } = l;
  checkQuads('layout', { headDim, qRowStride, qColOffset, kvRowStride, kColOffset, vColOffset });
  checkQuads('binding bytes / 4 of', { q: bindingBytes(a.q) / 4, k: bindingBytes(a.k) / 4, v: bindingBytes(a.v) / 4 });
  return l;
}

/** The words every attention kernel's uniforms start with: rows, heads, kv heads, then q's and k, v's layout. */
export function layoutParams(l: Required<AttentionLayout>): number[] {
  return [l.R, l.nHeads, l.nKvHeads, l.qRowStride, l.qColOffset, l.kvRowStride, l.kColOffset, l.vColOffset];
}

export interface AttentionArgs extends AttentionLayout {
  q: Bindable; // [R, qRowStride]
  k: Bindable; // [key rows, kvRowStride]
  v: Bindable; // [key rows, kvRowStride] (may be the same buffer as k)
  /** [R, 2] u32 from packedKeys or cacheKeys: the key rows each query row attends to. */
  keys: Bindable;
  o: Bindable; // [R, nHeads · headDim], written
  lse: Bindable; // [nHeads, R], written
  /** The most keys any row attends to (default: every key row k's binding holds); sizes the split-K kernels' grids. */
  maxKeys?: number;
  /**
   * Each row is the one new token of its own KV-cache slot (a decode step): the gpu family then takes flash
   * decoding at any row count, since a flash-attention block of rows from different slots shares no keys.
   */
  decodeStep?: boolean;
}

/** The most keys a row of `a` may attend to: `maxKeys`, or every row of k's binding. */
export function keyBound(a: AttentionLayout & { k: Bindable; maxKeys?: number }): number {
  return a.maxKeys ?? Math.max(1, Math.floor(bindingBytes(a.k) / 4 / (a.kvRowStride ?? a.nKvHeads * a.headDim)));
}

/** The audit's description of an attention pass (dispatchAudit.ts): `perScore` flops per score and head dimension. */
export function attentionWork(a: AttentionLayout, keys: number, perScore: number): DispatchWork {
  return { kind: 'attention', flops: perScore * a.R * a.nHeads * a.headDim * keys };
}

/**
 * Key spans for sequences packed row after row (training, or prefill without a cache): row t of a sequence
 * starting at row s attends to rows s..t.
 */
export function packedKeys(seqLengths: readonly number[]): Uint32Array {
  const out: number[] = [];
  let start = 0;
  for (const len of seqLengths) {
    if (!Number.isInteger(len) || len < 1)
      throw new Error(`packedKeys: sequence length ${len} must be a positive integer`);
    for (let t = 0; t < len; t++) out.push(start, t + 1);
    start += len;
  }
  return Uint32Array.from(out);
}

/**
 * Key spans against a KV cache of `maxPos` positions per slot: a row at `position` of `slot` attends to that
 * slot's positions 0..position. Its own K, V are written to the last of them (see writeKv).
 */
export function cacheKeys(rows: readonly { slot: number; position: number }[], maxPos: number): Uint32Array {
  const out = new Uint32Array(2 * rows.length);
  rows.forEach(({ slot, position }, i) => {
    if (!Number.isInteger(position) || position < 0 || position >= maxPos) {
      throw new Error(`cacheKeys: row ${i} position ${position} is outside the cache's 0..${maxPos - 1}`);
    }
    out.set([slot * maxPos, position + 1], 2 * i);
  });
  return out;
}

function checkQuads(what: string, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value % 4 !== 0)
      throw new Error(`attention: ${what} ${name} = ${value} must be a multiple of 4 (read as vec4)`);
  }
}

/** The shape checks every attention kernel needs: positive sizes, whole GQA groups, a head the kernels hold. */
export function checkHeads(kernel: string, a: AttentionLayout): void {
  checkDims(kernel, { R: a.R, nHeads: a.nHeads, nKvHeads: a.nKvHeads, headDim: a.headDim });
  if (a.nHeads % a.nKvHeads !== 0)
    throw new Error(`${kernel}: ${a.nHeads} heads do not split into ${a.nKvHeads} kv heads`);
  if (a.headDim > MAX_HEAD_DIM) throw new Error(`${kernel}: headDim ${a.headDim} exceeds ${MAX_HEAD_DIM}`);
}

/** Records causal GQA attention of R query rows into `encoder`. */
export function attention(device: GPUDevice, encoder: GPUCommandEncoder, a: AttentionArgs): void {
  checkHeads('attention', a);
  if (kernelFamily(device) === 'gpu') {
    const split = a.R <= SPLIT_ATTENTION_ROWS || (a.decodeStep && a.R * a.nHeads <= MAX_SPLIT_ROW_HEADS);
    return split ? attentionSplit(device, encoder, a) : attentionFlash(device, encoder, a);
  }
  const l = resolvedLayout(a);
  const dims = params(device, [...layoutParams(l), { f32: 1 / Math.sqrt(a.headDim) }]);
  const rows = a.decodeStep ? 1 : emulatorBlockRows(a.headDim);
  const pipe = pipeline(device, unrollQuadLoops(code, a.headDim / 4, rows), { HEAD_DIM: a.headDim, ROWS: rows });
  dispatch(
    device,
    encoder,
    pipe,
    [dims, a.q, a.k, a.v, a.keys, a.o, a.lse],
    foldWorkgroups(Math.ceil((Math.ceil(a.R / rows) * a.nHeads) / 64)),
    attentionWork(a, keyBound(a), 4),
  );
}
