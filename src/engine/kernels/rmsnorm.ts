import { dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './rmsnorm.wgsl?raw';

export interface RmsnormArgs {
  x: Bindable; // [T, D]
  w: Bindable; // [D]
  y: Bindable; // [T, D], written (must not alias x)
  rstd: Bindable; // [T], written: (mean(x²) + eps)^-½ per row, for the backward
  T: number;
  D: number;
  eps: number;
}

/** Records y = x · rstd · w per row into `encoder`. */
export function rmsnorm(device: GPUDevice, encoder: GPUCommandEncoder, a: RmsnormArgs): void {
  checkDims('rmsnorm', { T: a.T, D: a.D });
  if (!(a.eps > 0)) throw new Error(`rmsnorm: eps = ${a.eps} must be positive`);
  const dims = params(device, [a.T, a.D, { f32: a.eps }]);
  dispatch(device, encoder, pipeline(device, code), [dims, a.x, a.w, a.y, a.rstd], foldWorkgroups(Math.ceil(a.T / 64)));
}
