// CPU twin of train/adamw.wgsl (torch.optim.AdamW with clipping by the global gradient norm), in f64
// arithmetic stored back to f32. Updates params, m and v in place.
import type { AdamWConfig } from '../train/adamw.ts';

export interface AdamWTensorRef {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
  weightDecay?: number;
}

/** Applies update number `step` (1-based) with learning rate `lr`; returns the gradient norm before clipping. */
export function adamwStepRef(tensors: AdamWTensorRef[], step: number, lr: number, c: AdamWConfig): number {
  let sumSq = 0;
  for (const t of tensors) for (const g of t.grad) sumSq += g * g;
  const norm = Math.sqrt(sumSq);
  const clip = c.maxGradNorm > 0 ? Math.min(1, c.maxGradNorm / (norm + 1e-6)) : 1;
  const bc1 = 1 - c.beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - c.beta2 ** step);
  for (const t of tensors) {
    const wd = t.weightDecay ?? c.weightDecay;
    for (let i = 0; i < t.param.length; i++) {
      const g = t.grad[i] * clip;
      t.m[i] = t.m[i] + (1 - c.beta1) * (g - t.m[i]);
      t.v[i] = c.beta2 * t.v[i] + (1 - c.beta2) * g * g;
      const p = t.param[i] * (1 - lr * wd);
      t.param[i] = p - ((lr / bc1) * t.m[i]) / (Math.sqrt(t.v[i]) / bc2Sqrt + c.eps);
    }
  }
  return norm;
}
