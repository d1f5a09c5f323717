// The gpu family's products for prefill and training (gemmTiled.wgsl): matmul, q4Matmul and linearWeightBackward
// hand their work here on a gpu-family device, so every caller (layers, LoRA, the fused loss) gets it.
import {
  type Bindable,
  dispatch,
  foldWorkgroups,
  joinCode,
  pipeline,
  placeholderBuffer,
  scratchBuffer,
} from '../compute.ts';
import { kernelFamily } from '../kernelFamily.ts';
import epilogue from './gemmEpilogue.wgsl?raw';
import slicesCode from './gemmSlices.wgsl?raw';
import code from './gemmTiled.wgsl?raw';
import { productWork, type DenseWeight, type ProductArgs } from './matmul.ts';
import { params } from './params.ts';
import type { Q4Weight } from './q4matmul.ts';

/** B's storage as the tiled kernel reads it: a dense weight, or a q4 one. */
export type TiledWeight = DenseWeight | (Q4Weight & { format: 'q4' });

export interface TiledGemmArgs extends ProductArgs {
  w: TiledWeight;
  /** A is stored [K, M] and read transposed (dYᵀ of a weight gradient); default: x [M, K]. */
  aTransposed?: boolean;
  /** Multiplies the product (not the bias); default 1. */
  scale?: number;
  /** Adds to Y instead of overwriting it. */
  accumulate?: boolean;
}

const TILE = 64;
const KSTEP = 16;
/** Workgroups (of 256 threads) a product should launch at least: 16,384 threads, enough to fill a laptop GPU. */
const MIN_WORKGROUPS = 64;
const B_FORMAT = { f32: 0, f16: 1, bf16: 2, q4: 3 } as const;

/** Rows of a decode-sized product: the split GEMV's largest batch (SPLIT_GEMV_ROWS). */
const DECODE_ROWS = 16;

/**
 * Whether a product of M rows takes the tiled kernel on `device`: on the gpu family, unless it is decode-sized
 * (where a 64-row tile would be mostly empty and the register-blocked kernels or the GEMV serve better).
 */
export function takesTiledGemm(device: GPUDevice, M: number): boolean {
  return kernelFamily(device) === 'gpu' && M > DECODE_ROWS;
}

/**
 * How many slices of K a product of `tiles` output tiles spreads over so that it launches MIN_WORKGROUPS, and
 * the K each covers (whole 16-steps).
 */
export function kSlices(tiles: number, K: number): { slices: number; kSlice: number } {
  const steps = Math.ceil(K / KSTEP);
  const wanted = Math.min(steps, Math.ceil(MIN_WORKGROUPS / tiles));
  const kSlice = Math.ceil(steps / wanted) * KSTEP;
  return { slices: Math.ceil(K / kSlice), kSlice };
}

/** Records Y (+)= scale · A B (+ bias) with the tiled kernel (see gemmTiled.wgsl for the operands' forms). */
export function tiledGemm(device: GPUDevice, encoder: GPUCommandEncoder, a: TiledGemmArgs): void {
  const kn = a.layout === 'KN';
  if (kn && a.wRowBase) throw new Error('tiledGemm: wRowBase applies to "NK" weights only');
  const grid: [number, number] = [Math.ceil(a.N / TILE), Math.ceil(a.M / TILE)];
  const { slices, kSlice } = kSlices(grid[0] * grid[1], a.K);
  const dims = params(device, [
    a.M,
    a.N,
    a.K,
    a.bias ? 1 : 0,
    a.wRowBase ?? 0,
    { f32: a.scale ?? 1 },
    a.accumulate ? 1 : 0,
    kSlice,
    slices,
  ]);
  const none = placeholderBuffer(device);
  const split = slices > 1;
  const target = split ? scratchBuffer(device, 'gemm-slices', slices * a.M * a.N * 4) : a.y;
  const [bf, bu, scales]: Bindable[] =
    a.w.format === 'q4'
      ? [none, a.w.qweight, a.w.scales]
      : a.w.format === 'f32'
        ? [a.w.w, none, none]
        : [none, a.w.w, none];
  const constants = {
    A_T: a.aTransposed ? 1 : 0,
    B_KN: kn ? 1 : 0,
    B_FORMAT: B_FORMAT[a.w.format],
    SPLIT: split ? 1 : 0,
  };
  const tiles = pipeline(device, joinCode(epilogue, code), constants);
  dispatch(
    device,
    encoder,
    tiles,
    [dims, a.bias ?? none, target, a.x, bf, bu, scales],
    [...grid, slices],
    productWork(a),
  );
  if (split)
    dispatch(
      device,
      encoder,
      pipeline(device, joinCode(epilogue, slicesCode)),
      [dims, a.bias ?? none, a.y, target],
      foldWorkgroups(Math.ceil((a.M * a.N) / 256)),
    );
}
