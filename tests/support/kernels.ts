// Small helpers for the kernel tests in tests/gpu: submit recorded work, upload q4 matrices, compare results
// relative to their magnitude.
import { uploadBuffer } from '../../src/engine/compute.ts';
import type { DenseFormat, DenseWeight } from '../../src/engine/kernels/matmul.ts';
import type { Q4Weight } from '../../src/engine/kernels/q4matmul.ts';
import { f32ToBf16, f32ToF16, roundTo } from '../../src/engine/load/dtype.ts';
import { quantizeQ4, type Q4Matrix } from '../../src/engine/quant/q4.ts';
import { randomF32 } from './gpu.ts';

/** Records with `record` into one encoder and submits it. */
export function submit(device: GPUDevice, record: (encoder: GPUCommandEncoder) => void): void {
  const encoder = device.createCommandEncoder();
  record(encoder);
  device.queue.submit([encoder.finish()]);
}

export function randomQ4(rows: number, cols: number, seed: number): Q4Matrix {
  return quantizeQ4(randomF32(rows * cols, seed), rows, cols);
}

export function uploadQ4(device: GPUDevice, m: Q4Matrix): Q4Weight {
  return { qweight: uploadBuffer(device, m.qweight), scales: uploadBuffer(device, m.scales) };
}

/** Uploads `values` stored in `format`; `stored` is what the GPU holds, widened back (the twin's input). */
export function uploadDense(
  device: GPUDevice,
  values: Float32Array,
  format: DenseFormat,
): { weight: DenseWeight; stored: Float32Array } {
  if (format === 'f32') return { weight: { format, w: uploadBuffer(device, values) }, stored: values };
  const bits = format === 'bf16' ? f32ToBf16(values) : f32ToF16(values);
  return { weight: { format, w: uploadBuffer(device, bits) }, stored: roundTo(values, format) };
}
