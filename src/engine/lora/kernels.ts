// Wrappers for the two LoRA kernels: loraForward / loraBackward record the side path of one adapted
// projection into an encoder. Shapes: x [T, in], A [r, in], B [out, r], u and du [T, r], y and dy [T, out].
import { dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { params } from '../kernels/params.ts';
import rowCode from './loraRow.wgsl?raw';
import outerCode from './loraOuter.wgsl?raw';

export interface LoraShape {
  T: number;
  inFeatures: number;
  outFeatures: number;
  rank: number;
  scale: number;
}

export interface LoraForwardArgs extends LoraShape {
  x: Bindable;
  a: Bindable;
  b: Bindable;
  /** Written: x Aᵀ, kept for the backward. */
  u: Bindable;
  /** Accumulated: y += s · u Bᵀ. */
  y: Bindable;
}

export interface LoraBackwardArgs extends LoraShape {
  x: Bindable;
  dy: Bindable;
  u: Bindable;
  a: Bindable;
  b: Bindable;
  /** Scratch [T, r], written. */
  du: Bindable;
  /** Accumulated: dA += duᵀ x, dB += s · dyᵀ u, dx += du A. */
  da: Bindable;
  db: Bindable;
  dx: Bindable;
}

function row(
  device: GPUDevice, encoder: GPUCommandEncoder,
  bufs: { x: Bindable; w1: Bindable; w2: Bindable; u: Bindable; y: Bindable },
  d: { T: number; K: number; N: number; R: number; w1J: number; w1K: number; w2N: number; w2J: number; c1: number; c2: number },
): void {
  const dims = params(device, [d.T, d.K, d.N, d.R, d.w1J, d.w1K, d.w2N, d.w2J, { f32: d.c1 }, { f32: d.c2 }]);
  dispatch(device, encoder, pipeline(device, rowCode), [{ buffer: dims }, bufs.x, bufs.w1, bufs.w2, bufs.u, bufs.y], foldWorkgroups(d.T));
}

/** G [Pn, Qn] += c · Pᵀ Q over T rows. */
function outer(
  device: GPUDevice, encoder: GPUCommandEncoder, p: Bindable, q: Bindable, g: Bindable,
  d: { T: number; Pn: number; Qn: number; c: number },
): void {
  const dims = params(device, [d.T, d.Pn, d.Qn, { f32: d.c }]);
  dispatch(device, encoder, pipeline(device, outerCode), [{ buffer: dims }, p, q, g], foldWorkgroups(Math.ceil((d.Pn * d.Qn) / 256)));
}

/** Records u = x Aᵀ and y += s · u Bᵀ. */
export function loraForward(device: GPUDevice, encoder: GPUCommandEncoder, a: LoraForwardArgs): void {
  const { T, inFeatures: K, outFeatures: N, rank: R } = a;
  row(device, encoder, { x: a.x, w1: a.a, w2: a.b, u: a.u, y: a.y }, { T, K, N, R, w1J: K, w1K: 1, w2N: R, w2J: 1, c1: 1, c2: a.scale });
}

/** Records du = s · dy B, dx += du A, dB += s · dyᵀ u, dA += duᵀ x. */
export function loraBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: LoraBackwardArgs): void {
  const { T, inFeatures: K, outFeatures: N, rank: R } = a;
  row(device, encoder, { x: a.dy, w1: a.b, w2: a.a, u: a.du, y: a.dx }, { T, K: N, N: K, R, w1J: 1, w1K: R, w2N: 1, w2J: K, c1: a.scale, c2: 1 });
  outer(device, encoder, a.dy, a.u, a.db, { T, Pn: N, Qn: R, c: a.scale });
  outer(device, encoder, a.du, a.x, a.da, { T, Pn: R, Qn: K, c: 1 });
}
