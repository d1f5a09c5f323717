import { type Bindable, dispatch, foldWorkgroups, joinCode, pipeline } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import { columnSum } from './columnSum.ts';
import { rowThreads } from '../kernelFamily.ts';
import code from './rmsnormBackward.wgsl?raw';
import reduceCode from './reduce.wgsl?raw';

export interface RmsnormBackwardArgs {
  dy: Bindable; // [T, D]
  x: Bindable; // [T, D], the forward's input
  w: Bindable; // [D]
  rstd: Bindable; // [T], saved by the forward
  /** [T, D]: written, or added to when `accumulate` (the residual's gradient is already there). */
  dx: Bindable;
  accumulate: boolean;
  /** [D], accumulated: dw += Σ_t dy · x · rstd. Omit when the norm weight is frozen. */
  dw?: Bindable;
  T: number;
  D: number;
}

/** Records RMSNorm's backward: dx (=|+=) rstd · (g − x · rstd² · mean(g · x)) with g = dy · w, and dw. */
export function rmsnormBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: RmsnormBackwardArgs): void {
  checkDims('rmsnormBackward', { T: a.T, D: a.D });
  const dims = params(device, [a.T, a.D, a.accumulate ? 1 : 0]);
  const shape = rowThreads(device, a.D);
  dispatch(
    device,
    encoder,
    pipeline(device, joinCode(reduceCode, code), shape),
    [dims, a.dy, a.x, a.w, a.rstd, a.dx],
    foldWorkgroups(Math.ceil(a.T / (shape.WG / shape.ROW))),
  );
  if (a.dw) columnSum(device, encoder, { a: a.dy, b: a.x, r: a.rstd, out: a.dw, T: a.T, C: a.D });
}
