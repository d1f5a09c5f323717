import { dispatch, foldWorkgroups, pipeline, placeholderBuffer, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './columnSum.wgsl?raw';

export interface ColumnSumArgs {
  a: Bindable; // [T, C]
  /** With `r`: each term is a · b · r[t] (RMSNorm's weight gradient). Both or neither. */
  b?: Bindable; // [T, C]
  r?: Bindable; // [T]
  out: Bindable; // [C], accumulated
  T: number;
  C: number;
}

/** Records out[c] += Σ_t a[t, c] (· b[t, c] · r[t]). */
export function columnSum(device: GPUDevice, encoder: GPUCommandEncoder, s: ColumnSumArgs): void {
  checkDims('columnSum', { T: s.T, C: s.C });
  if (!s.b !== !s.r) throw new Error('columnSum: pass both b and r, or neither');
  const dims = params(device, [s.T, s.C, s.b ? 1 : 0]);
  const none = placeholderBuffer(device);
  dispatch(
    device,
    encoder,
    pipeline(device, code),
    [dims, s.a, s.b ?? none, s.r ?? none, s.out],
    foldWorkgroups(Math.ceil(s.C / 64)),
  );
}
