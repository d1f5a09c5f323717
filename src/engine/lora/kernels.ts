// The LoRA side path of one adapted projection, forward and backward, recorded into an encoder. Every product
// is a matmul the base layers already use (the tiled matmul, thin when the rank is a Y's width; the weight
// gradient kernel of full training): x [T, in], A [r, in], B [out, r], u and du [T, r], y and dy [T, out].
import type { Bindable } from '../compute.ts';
import { linearWeightBackward } from '../kernels/linearBackward.ts';
import { matmul } from '../kernels/matmul.ts';

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

/** Records u = x Aᵀ and y += s · u Bᵀ. */
export function loraForward(device: GPUDevice, encoder: GPUCommandEncoder, a: LoraForwardArgs): void {
  const { T, inFeatures: K, outFeatures: N, rank: R } = a;
  matmul(device, encoder, { x: a.x, w: a.a, y: a.u, M: T, N: R, K });
  matmul(device, encoder, { x: a.u, w: a.b, y: a.y, M: T, N, K: R, scale: a.scale, accumulate: true });
}

/** Records du = s · dy B, dx += du A, dB += s · dyᵀ u, dA += duᵀ x. */
export function loraBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: LoraBackwardArgs): void {
  const { T, inFeatures: K, outFeatures: N, rank: R } = a;
  matmul(device, encoder, { x: a.dy, w: a.b, y: a.du, M: T, N: R, K: N, layout: 'KN', scale: a.scale });
  matmul(device, encoder, { x: a.du, w: a.a, y: a.dx, M: T, N: K, K: R, layout: 'KN', accumulate: true });
  linearWeightBackward(device, encoder, { dy: a.dy, x: a.u, dw: a.db, M: T, N, K: R, scale: a.scale });
  linearWeightBackward(device, encoder, { dy: a.du, x: a.x, dw: a.da, M: T, N: R, K });
}
