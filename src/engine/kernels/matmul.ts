import { type Bindable, dispatch, type DispatchWork, joinCode, pipeline, placeholderBuffer } from '../compute.ts';
import { takesTiledGemm, tiledGemm } from './gemmTiled.ts';
import matmulCode from './matmul.wgsl?raw';
import tileStore from './tileStore.wgsl?raw';
import { params } from './params.ts';
import { bindingBytes, checkDims } from './checks.ts';

/** How a weight is stored: "NK" = [N, K] (a linear layer's [out, in]); "KN" = [K, N]. */
export type WeightLayout = 'NK' | 'KN';

/** The element type of a dense weight: 16-bit weights are packed two to a u32 and widened in the kernel. */
export type DenseFormat = 'f32' | 'f16' | 'bf16';
/** The kernels' W_FORMAT / FORMAT constant for each format. */
export const FORMAT_CODE: Record<DenseFormat, number> = { f32: 0, f16: 1, bf16: 2 };

/** A dense weight matrix on the GPU. */
export interface DenseWeight {
  format: DenseFormat;
  w: Bindable;
}

/** Y [M, N] = X [M, K] · (W's product form), whatever W is: what the matmul and the q4 GEMM share. */
export interface ProductArgs {
  x: Bindable; // [M, K]
  bias?: Bindable; // [N]
  y: Bindable; // [M, N], written
  M: number;
  N: number;
  K: number;
  /** Default "NK": W stored [N, K], Y = X Wᵀ. "KN": stored [K, N], Y = X W (dx = dy W of a layer [out = K, in = N]). */
  layout?: WeightLayout;
  /** "NK" only: first stored row of W to use, so Y = X W[base : base + N]ᵀ (a vocabulary chunk). */
  wRowBase?: number;
}

export interface MatmulArgs extends ProductArgs {
  w: Bindable; // [N, K] for "NK", [K, N] for "KN"
  /** How w's elements are stored (default f32). */
  format?: DenseFormat;
  /** Multiplies the product (not the bias); default 1. */
  scale?: number;
  /** Adds to Y instead of overwriting it (a LoRA side path onto the base projection's output). */
  accumulate?: boolean;
}

/** Rows a thread covers; a tile stacks up to 8 threads' rows (fewer for a short Y). */
const ROWS_PER_THREAD = 8;

/** Threads stacked in a tile for M rows (the matmuls' ROW_THREADS): 1, 2, 4 or 8, so a short Y gets a short tile. */
export function rowThreads(M: number): number {
  return Math.min(8, 2 ** Math.ceil(Math.log2(Math.ceil(M / ROWS_PER_THREAD))));
}
/** Columns a thread group of the tile covers: the tile is 32, 64 or 128 columns wide (one, two or four groups). */
const GROUP_N = 32;

/** Column groups of a tile for N columns (the matmuls' COLUMN_GROUPS): the fewest that cover N, at most 4. */
export function columnGroups(N: number): number {
  return N <= GROUP_N ? 1 : N <= 2 * GROUP_N ? 2 : 4;
}

/** The audit's description of a product's dispatch (dispatchAudit.ts): 2·M·N·K multiply-adds. */
export function productWork(a: { M: number; N: number; K: number }): DispatchWork {
  return { kind: 'product', flops: 2 * a.M * a.N * a.K };
}

/** Records Y (+)= scale · X Wᵀ (+ bias), or with X W for layout "KN"; the sums are f32 whatever W's format. */
export function matmul(device: GPUDevice, encoder: GPUCommandEncoder, a: MatmulArgs): void {
  checkDims('matmul', { M: a.M, N: a.N, K: a.K });
  const kn = a.layout === 'KN';
  if (kn && a.wRowBase) throw new Error('matmul: wRowBase applies to "NK" weights only');
  const half = (a.format ?? 'f32') !== 'f32';
  if (half && (kn ? a.N : a.K) % 4 !== 0)
    throw new Error(`matmul: a ${a.format} weight needs ${kn ? 'N' : 'K'} % 4 == 0`);
  if (takesTiledGemm(device, a.M))
    return tiledGemm(device, encoder, { ...a, w: { format: a.format ?? 'f32', w: a.w } });
  // Quads along K (and along N for "KN") must not straddle rows, and the vec4 views must cover whole ranges.
  const vec4 =
    a.K % 4 === 0 && (!kn || a.N % 4 === 0) && bindingBytes(a.x) % 16 === 0 && (half || bindingBytes(a.w) % 16 === 0);
  const none = placeholderBuffer(device);
  const dims = params(device, [
    a.M,
    a.N,
    a.K,
    a.bias ? 1 : 0,
    a.wRowBase ?? 0,
    { f32: a.scale ?? 1 },
    a.accumulate ? 1 : 0,
  ]);
  const groups = columnGroups(a.N);
  const stacked = rowThreads(a.M);
  const pipe = pipeline(device, joinCode(tileStore, matmulCode), {
    W_KN: kn ? 1 : 0,
    VEC4: vec4 ? 1 : 0,
    W_FORMAT: FORMAT_CODE[a.format ?? 'f32'],
    COLUMN_GROUPS: groups,
    ROW_THREADS: stacked,
  });
  const [w, w4, wh] = half ? [none, none, a.w] : [a.w, vec4 ? a.w : none, none];
  dispatch(
    device,
    encoder,
    pipe,
    [dims, a.bias ?? none, a.y, a.x, vec4 ? a.x : none, w, w4, wh],
    [Math.ceil(a.N / (GROUP_N * groups)), Math.ceil(a.M / (ROWS_PER_THREAD * stacked))],
    productWork(a),
  );
}
