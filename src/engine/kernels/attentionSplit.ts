import { type Bindable, dispatch, joinCode, pipeline, scratchBuffer } from '../compute.ts';
import {
  attentionWork,
  checkHeads,
  keyBound,
  layoutParams,
  resolvedLayout,
  type AttentionArgs,
  type AttentionLayout,
} from './attention.ts';
import chunkCode from './attentionChunk.wgsl?raw';
import combineCode from './attentionCombine.wgsl?raw';
import decodeCode from './attentionDecode.wgsl?raw';
import sinCos from './sinCos.wgsl?raw';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import splitCode from './attentionSplit.wgsl?raw';

/** The gpu family takes decode attention (at most this many rows) through the split-K kernels. */
export const SPLIT_ATTENTION_ROWS = 16;
/** The most rows × heads one split dispatch takes (its grid's y dimension). */
export const MAX_SPLIT_ROW_HEADS = 65535;
const CHUNK = 64; // keys per workgroup of pass 1
const DIMS = 16; // head dimensions per workgroup of pass 2

/**
 * Records attention of a few rows (the shapes were checked by `attention`) as split-K flash decoding: pass 1
 * scores chunks of 64 keys (attentionSplit.wgsl), pass 2 merges them (attentionCombine.wgsl).
 */
export function attentionSplit(device: GPUDevice, encoder: GPUCommandEncoder, a: AttentionArgs): void {
  const l = resolvedLayout(a);
  const maxKeys = keyBound(a);
  const chunks = Math.ceil(maxKeys / CHUNK);
  const rowHeads = a.R * a.nHeads;
  const { partO, partML } = partials(device, rowHeads, chunks, a.headDim);
  const dims = params(device, [...layoutParams(l), { f32: 1 / Math.sqrt(a.headDim) }, chunks]);
  const constants = { HEAD_DIM: a.headDim };
  dispatch(
    device,
    encoder,
    pipeline(device, joinCode(chunkCode, splitCode), constants),
    [dims, a.q, a.k, a.v, a.keys, partO, partML],
    [chunks, rowHeads],
    attentionWork(a, maxKeys, 4),
  );
  combine(device, encoder, a, chunks, { partO, partML });
}

/** Pass 2: merges the chunks' partial (m, l, o) into a.o and a.lse. */
function combine(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  a: AttentionLayout & { o: Bindable; lse: Bindable },
  chunks: number,
  parts: { partO: GPUBuffer; partML: GPUBuffer },
): void {
  dispatch(
    device,
    encoder,
    pipeline(device, combineCode, { HEAD_DIM: a.headDim }),
    [params(device, [a.R, a.nHeads, chunks]), parts.partO, parts.partML, a.o, a.lse],
    [Math.ceil(a.headDim / DIMS), a.R * a.nHeads],
    attentionWork(a, chunks, 3),
  );
}

function partials(device: GPUDevice, rowHeads: number, chunks: number, headDim: number) {
  if (rowHeads > MAX_SPLIT_ROW_HEADS) throw new Error(`attention: ${rowHeads} row-heads exceed one split dispatch`);
  return {
    partO: scratchBuffer(device, 'attention partial o', rowHeads * chunks * headDim * 4),
    partML: scratchBuffer(device, 'attention partial m, l', rowHeads * chunks * 8),
  };
}

export interface DecodeAttentionArgs extends AttentionLayout {
  /** [R, qkvStride]: the step's q, k, v before RoPE (q heads from column 0, k from kvOffset, then v). */
  qkv: Bindable;
  qkvStride: number;
  kvOffset: number;
  /** A layer's KV cache K and V [rows, nKvHeads · headDim]: the new keys and values are written into them. */
  kCache: Bindable;
  vCache: Bindable;
  keys: Bindable; // cacheKeys of the R rows
  maxKeys: number;
  invFreq: Bindable; // [headDim / 2]
  o: Bindable;
  lse: Bindable;
}

/**
 * Records a decode step's attention fused with RoPE and the KV-cache write (attentionDecode.wgsl, then the
 * combine): the gpu family's decode step runs its qkv product, then this.
 */
export function decodeAttention(device: GPUDevice, encoder: GPUCommandEncoder, a: DecodeAttentionArgs): void {
  checkHeads('decodeAttention', a);
  checkDims('decodeAttention', { maxKeys: a.maxKeys });
  const chunks = Math.ceil(a.maxKeys / CHUNK);
  const parts = partials(device, a.R * a.nHeads, chunks, a.headDim);
  const dims = params(device, [
    a.R,
    a.nHeads,
    a.nKvHeads,
    a.qkvStride,
    a.kvOffset,
    { f32: 1 / Math.sqrt(a.headDim) },
    chunks,
  ]);
  dispatch(
    device,
    encoder,
    pipeline(device, joinCode(sinCos, chunkCode, decodeCode), { HEAD_DIM: a.headDim }),
    [dims, a.qkv, a.kCache, a.vCache, a.keys, a.invFreq, parts.partO, parts.partML],
    [chunks, a.R * a.nHeads],
    attentionWork(a, a.maxKeys, 4),
  );
  combine(device, encoder, a, chunks, parts);
}
