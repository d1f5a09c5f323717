import { dispatch, pipeline, type Bindable } from '../compute.ts';
import { checkDims } from './matmul.ts';
import { params } from './params.ts';
import { columnSum } from './columnSum.ts';
import code from './linearWeightBackward.wgsl?raw';

export interface LinearWeightBackwardArgs {
  dy: Bindable; // [M, N]
  x: Bindable; // [M, K], the layer's input
  dw: Bindable; // [N, K], accumulated
  M: number;
  N: number;
  K: number;
  /** Multiplies the increment (default 1). */
  scale?: number;
}

/** Records dW[N, K] += scale · dyᵀ x: the weight gradient of y = x Wᵀ (full training). */
export function linearWeightBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: LinearWeightBackwardArgs): void {
  checkDims('linearWeightBackward', { M: a.M, N: a.N, K: a.K });
  const dims = params(device, [a.M, a.N, a.K, { f32: a.scale ?? 1 }]);
  dispatch(device, encoder, pipeline(device, code), [dims, a.dy, a.x, a.dw], [
    Math.ceil(a.K / 32),
    Math.ceil(a.N / 32),
  ]);
}

/** Records db[N] += Σ_m dy[m, :]: the bias gradient of y = x Wᵀ + b. */
export function linearBiasBackward(
  device: GPUDevice, encoder: GPUCommandEncoder, a: { dy: Bindable; db: Bindable; M: number; N: number },
): void {
  columnSum(device, encoder, { a: a.dy, out: a.db, T: a.M, C: a.N });
}
