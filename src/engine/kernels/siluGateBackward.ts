import { dispatch, foldWorkgroups, pipeline, placeholderBuffer, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './siluGateBackward.wgsl?raw';

export interface SiluGateBackwardArgs {
  dm: Bindable; // [T, I]
  /** The forward's inputs, as siluGate takes them: g and u [T, I], or `gateUp` [T, 2I] (gate columns first). */
  inputs: { g: Bindable; u: Bindable } | { gateUp: Bindable };
  /** Written, in the layout of `inputs`. */
  grads: { dg: Bindable; du: Bindable } | { dGateUp: Bindable };
  T: number;
  I: number;
}

/** Records dg = dm · u · σ(g) · (1 + g · (1 − σ(g))) and du = dm · silu(g), for m = silu(g) · u. */
export function siluGateBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: SiluGateBackwardArgs): void {
  checkDims('siluGateBackward', { T: a.T, I: a.I });
  const fused = 'gateUp' in a.inputs;
  if (fused !== 'dGateUp' in a.grads)
    throw new Error('siluGateBackward: inputs and grads must both be fused or both separate');
  const [g, u] = 'gateUp' in a.inputs ? [a.inputs.gateUp, a.inputs.gateUp] : [a.inputs.g, a.inputs.u];
  const [dg, du] = 'dGateUp' in a.grads ? [a.grads.dGateUp, placeholderBuffer(device)] : [a.grads.dg, a.grads.du];
  const dims = params(device, fused ? [a.T, a.I, 2 * a.I, 0, a.I, 1] : [a.T, a.I, a.I, 0, 0, 0]);
  dispatch(
    device,
    encoder,
    pipeline(device, code),
    [dims, a.dm, g, u, dg, du],
    foldWorkgroups(Math.ceil((a.T * a.I) / 256)),
  );
}
