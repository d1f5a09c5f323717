import { dispatch, pipeline, placeholderBuffer, uniformBuffer, type Bindable } from '../compute.ts';
import code from './matmul.wgsl?raw';

export interface MatmulArgs {
  x: Bindable; // [M, K]
  w: Bindable; // [N, K]
  bias?: Bindable; // [N]
  y: Bindable; // [M, N]
  M: number;
  N: number;
  K: number;
}

/** Records Y = X Wᵀ (+ bias) into `encoder`. */
export function matmulF32(device: GPUDevice, encoder: GPUCommandEncoder, a: MatmulArgs): void {
  const dims = uniformBuffer(device, [a.M, a.N, a.K, a.bias ? 1 : 0]);
  const bias = a.bias ?? placeholderBuffer(device);
  dispatch(device, encoder, pipeline(device, code), [{ buffer: dims }, a.x, a.w, bias, a.y], [
    Math.ceil(a.N / 32),
    Math.ceil(a.M / 32),
  ]);
}
