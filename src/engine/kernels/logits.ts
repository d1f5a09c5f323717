// Output logits by vocabulary chunks: z [T, rows] = H [T, D] · E[start : start + rows]ᵀ for a dense or q4 output
// matrix E [V, D] (lm_head, or the embedding when tied), read in place through the matmuls' wRowBase, so the
// whole [T, V] never needs to exist at once.
import type { Bindable } from '../compute.ts';
import { matmul } from './matmul.ts';
import { gemvRows, q4Gemv } from './q4gemv.ts';
import { q4Matmul, type WeightMatrix } from './q4matmul.ts';

export interface LogitsChunkArgs {
  h: Bindable; // [T, D]
  e: WeightMatrix; // [V, D]
  z: Bindable; // [T, rows], written
  T: number;
  D: number;
  start: number;
  rows: number;
}

/** Records z = H E[start : start + rows]ᵀ into `encoder` (a q4 E with few rows of H takes the decode GEMV). */
export function logitsChunk(device: GPUDevice, encoder: GPUCommandEncoder, a: LogitsChunkArgs): void {
  const shape = { x: a.h, y: a.z, N: a.rows, K: a.D, wRowBase: a.start };
  if (!('qweight' in a.e)) matmul(device, encoder, { ...shape, M: a.T, w: a.e.w, format: a.e.format });
  else if (a.T <= gemvRows(device))
    q4Gemv(device, encoder, { ...shape, B: a.T, qweight: a.e.qweight, scales: a.e.scales });
  else q4Matmul(device, encoder, { ...shape, M: a.T, qweight: a.e.qweight, scales: a.e.scales });
}
