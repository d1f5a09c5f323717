// Output logits by vocabulary chunks: z [T, rows] = H [T, D] · E[start : start + rows]ᵀ for an f32 or q4 output
// matrix E [V, D] (lm_head, or the embedding when tied), read in place through the matmuls' wRowBase, plus the
// online log-sum-exp that folds each chunk into per-row (max, sum) state.
import { dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { checkDims, matmulF32 } from './matmul.ts';
import { params } from './params.ts';
import { MAX_GEMV_BATCH, q4Gemv } from './q4gemv.ts';
import { q4Matmul, type Q4Weight } from './q4matmul.ts';
import code from './logsumexp.wgsl?raw';

export type OutputMatrix = { f32: Bindable } | Q4Weight;

export interface LogitsChunkArgs {
  h: Bindable; // [T, D]
  e: OutputMatrix; // [V, D]
  z: Bindable; // [T, rows], written
  T: number;
  D: number;
  start: number;
  rows: number;
}

/** Records z = H E[start : start + rows]ᵀ into `encoder` (a q4 E with few rows of H takes the decode GEMV). */
export function logitsChunk(device: GPUDevice, encoder: GPUCommandEncoder, a: LogitsChunkArgs): void {
  const shape = { x: a.h, y: a.z, N: a.rows, K: a.D, wRowBase: a.start };
  if (!('qweight' in a.e)) matmulF32(device, encoder, { ...shape, M: a.T, w: a.e.f32 });
  else if (a.T <= MAX_GEMV_BATCH) q4Gemv(device, encoder, { ...shape, B: a.T, qweight: a.e.qweight, scales: a.e.scales });
  else q4Matmul(device, encoder, { ...shape, M: a.T, qweight: a.e.qweight, scales: a.e.scales });
}

export interface LogSumExpArgs {
  z: Bindable; // [T, C], one chunk of logits
  state: Bindable; // [T, 2] f32 (running max, running sum), carried between chunks
  lse: Bindable; // [T], written: log Σ e^z over the chunks so far
  T: number;
  C: number;
  /** True for the first chunk: starts each row's state afresh. */
  first: boolean;
}

/** Records the fold of one chunk of logits into the per-row log-sum-exp. */
export function logSumExpUpdate(device: GPUDevice, encoder: GPUCommandEncoder, a: LogSumExpArgs): void {
  checkDims('logSumExpUpdate', { T: a.T, C: a.C });
  const dims = params(device, [a.T, a.C, a.first ? 1 : 0]);
  dispatch(device, encoder, pipeline(device, code), [dims, a.z, a.state, a.lse], foldWorkgroups(Math.ceil(a.T / 64)));
}
