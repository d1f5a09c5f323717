import { dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './siluGate.wgsl?raw';

export interface SiluGateArgs {
  /** Either separate g and u [T, I], or `gateUp` [T, 2I] (gate columns first, then up: MLC's gate_up_proj). */
  inputs: { g: Bindable; u: Bindable } | { gateUp: Bindable };
  m: Bindable; // [T, I], written
  T: number;
  I: number;
}

/** Records m = silu(g) · u into `encoder`. */
export function siluGate(device: GPUDevice, encoder: GPUCommandEncoder, a: SiluGateArgs): void {
  checkDims('siluGate', { T: a.T, I: a.I });
  const fused = 'gateUp' in a.inputs;
  const [g, u] = 'gateUp' in a.inputs ? [a.inputs.gateUp, a.inputs.gateUp] : [a.inputs.g, a.inputs.u];
  const dims = params(device, fused ? [a.T, a.I, 2 * a.I, 0, a.I] : [a.T, a.I, a.I, 0, 0]);
  dispatch(device, encoder, pipeline(device, code), [dims, g, u, a.m], foldWorkgroups(Math.ceil((a.T * a.I) / 64)));
}
