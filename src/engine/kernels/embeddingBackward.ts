import { dispatch, pipeline, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './embeddingBackward.wgsl?raw';

export interface EmbeddingBackwardArgs {
  dh: Bindable; // [T, D]
  tokens: Bindable; // [T] u32; ids ≥ V are skipped
  dE: Bindable; // [V, D], accumulated
  T: number;
  V: number;
  D: number;
}

/** Records dE[token[t], :] += dh[t, :] for every t (deterministic, no atomics). */
export function embeddingBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: EmbeddingBackwardArgs): void {
  checkDims('embeddingBackward', { T: a.T, V: a.V, D: a.D });
  const dims = params(device, [a.T, a.V, a.D]);
  dispatch(device, encoder, pipeline(device, code), [dims, a.dh, a.tokens, a.dE], [Math.ceil(a.D / 64)]);
}
