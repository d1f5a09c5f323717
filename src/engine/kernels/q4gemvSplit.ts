import { dispatch, foldWorkgroups, joinCode, pipeline, placeholderBuffer } from '../compute.ts';
import { productWork } from './matmul.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import type { Q4GemvArgs } from './q4gemv.ts';
import { checkQ4Shapes } from './q4matmul.ts';
import code from './q4gemvSplit.wgsl?raw';
import { splitSumCode } from './splitSum.ts';

/** The gpu family's GEMV takes decode batches up to this many rows (its partial sums fill MAX_PARTS). */
export const SPLIT_GEMV_ROWS = 16;
/** Columns per workgroup for a batch bucket: four at batch 1 (so a 128-column product still spreads widely). */
const COLUMNS = 4;

/**
 * Records Y (+)= X dequant(W)ᵀ (+ bias) with the gpu family's split-K GEMV (q4gemvSplit.wgsl) for a batch of
 * B ≤ 16 rows; `accumulate` adds onto Y (a residual); `siluGate` takes x as gate_up rows [B, 2K] and multiplies
 * silu(gate) · up as it reads them.
 */
export function q4GemvSplit(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  a: Q4GemvArgs & { accumulate?: boolean; siluGate?: boolean },
): void {
  checkDims('q4GemvSplit', { B: a.B, N: a.N, K: a.K });
  checkQ4Shapes('q4GemvSplit', a);
  if (a.B > SPLIT_GEMV_ROWS) throw new Error(`q4GemvSplit: batch ${a.B} exceeds ${SPLIT_GEMV_ROWS}; use q4Matmul`);
  const maxB = 2 ** Math.ceil(Math.log2(a.B));
  const cols = Math.max(1, COLUMNS / maxB); // cols · maxB partial sums per thread, ≤ MAX_PARTS
  const dims = params(device, [a.B, a.N, a.K, a.bias ? 1 : 0, a.wRowBase ?? 0]);
  dispatch(
    device,
    encoder,
    pipeline(device, joinCode(splitSumCode(device), code), {
      MAX_B: maxB,
      COLS: cols,
      ACCUMULATE: a.accumulate ? 1 : 0,
      SILU_GATE: a.siluGate ? 1 : 0,
    }),
    [dims, a.x, a.qweight, a.scales, a.bias ?? placeholderBuffer(device), a.y],
    foldWorkgroups(Math.ceil(a.N / cols)),
    productWork({ M: a.B, N: a.N, K: a.K }),
  );
}
