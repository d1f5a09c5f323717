// A linear layer y = x Wᵀ (+ b) and its input gradient dx = dy W, whatever form W has on the GPU: dense weights
// (f32, f16, bf16) use the tiled matmul, q4 the dequantizing GEMM (or, for a decode step of up to four rows, the
// GEMV that reads each weight once for all rows).
import type { Bindable } from '../compute.ts';
import { matmul } from '../kernels/matmul.ts';
import { gemvRows, q4Gemv } from '../kernels/q4gemv.ts';
import { q4Matmul } from '../kernels/q4matmul.ts';
import type { GpuLinear } from './gpuWeights.ts';

export function linear(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  w: GpuLinear,
  x: Bindable,
  y: Bindable,
  M: number,
  bias?: Bindable,
): void {
  const shape = { x, y, bias, M, N: w.rows, K: w.cols };
  if (w.kind !== 'q4') matmul(device, encoder, { ...shape, w: w.w, format: w.kind });
  else if (M <= gemvRows(device)) q4Gemv(device, encoder, { ...shape, B: M, qweight: w.qweight, scales: w.scales });
  else q4Matmul(device, encoder, { ...shape, qweight: w.qweight, scales: w.scales });
}

/** dx [M, in] = dy [M, out] · W: gradients flow through frozen (also q4) weights. */
export function linearInputGrad(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  w: GpuLinear,
  dy: Bindable,
  dx: Bindable,
  M: number,
): void {
  const shape = { x: dy, y: dx, M, N: w.cols, K: w.rows, layout: 'KN' as const };
  if (w.kind !== 'q4') matmul(device, encoder, { ...shape, w: w.w, format: w.kind });
  else q4Matmul(device, encoder, { ...shape, qweight: w.qweight, scales: w.scales });
}
