import { dispatch, foldWorkgroups, pipeline, placeholderBuffer } from '../compute.ts';
import { productWork, type ProductArgs } from './matmul.ts';
import { checkDims } from './checks.ts';
import { checkQ4Shapes, type Q4Weight } from './q4matmul.ts';
import { params } from './params.ts';
import code from './q4gemv.wgsl?raw';
import { q4GemvSplit, SPLIT_GEMV_ROWS } from './q4gemvSplit.ts';
import { kernelFamily } from '../kernelFamily.ts';

export const MAX_GEMV_BATCH = 32;
/**
 * The engine sends a q4 product of up to this many rows to the GEMV, and larger ones to the GEMM with a short
 * tile: from 8 rows the GEMM's 8-row × 16-column register block measured 1.2-2.6× faster on SwiftShader.
 */
export const GEMV_ROWS = 4;
const COLUMNS_PER_WORKGROUP = 256; // 64 threads × 4 columns

/** The GEMM's arguments with the batch B in place of M (x [B, K], y [B, N]); W is always stored [N, K]. */
export type Q4GemvArgs = Omit<ProductArgs, 'M' | 'layout'> & Q4Weight & { B: number };

/** The most rows `device`'s kernel family sends to the GEMV rather than the GEMM. */
export function gemvRows(device: GPUDevice): number {
  return kernelFamily(device) === 'gpu' ? SPLIT_GEMV_ROWS : GEMV_ROWS;
}

/**
 * Records Y = X dequant(W)ᵀ (+ bias) for a decode batch of B ≤ 32 rows; W is q4, stored [N, K]. The gpu family
 * takes its split-K GEMV (q4gemvSplit.ts) up to 16 rows.
 */
export function q4Gemv(device: GPUDevice, encoder: GPUCommandEncoder, a: Q4GemvArgs): void {
  if (kernelFamily(device) === 'gpu' && a.B <= SPLIT_GEMV_ROWS) return q4GemvSplit(device, encoder, a);
  checkDims('q4Gemv', { B: a.B, N: a.N, K: a.K });
  checkQ4Shapes('q4Gemv', a);
  if (a.B > MAX_GEMV_BATCH) throw new Error(`q4Gemv: batch ${a.B} exceeds ${MAX_GEMV_BATCH}; use q4Matmul`);
  // One pipeline per power-of-two batch bucket keeps the in-kernel row loop's trip count a constant.
  const maxB = 2 ** Math.ceil(Math.log2(a.B));
  const dims = params(device, [a.B, a.N, a.K, a.bias ? 1 : 0, a.wRowBase ?? 0]);
  dispatch(
    device,
    encoder,
    pipeline(device, code, { MAX_B: maxB }),
    [dims, a.x, a.qweight, a.scales, a.bias ?? placeholderBuffer(device), a.y],
    foldWorkgroups(Math.ceil(a.N / COLUMNS_PER_WORKGROUP)),
    productWork({ M: a.B, N: a.N, K: a.K }),
  );
}
