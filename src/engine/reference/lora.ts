/**
 * CPU twins of the LoRA kernels, accumulated in f64. Shapes: x [T, in], A [r, in], B [out, r], s = scale.
 * Forward: u = x Aᵀ [T, r], y += s · u Bᵀ [T, out].
 * Backward: dB += s · dyᵀ u, du = s · dy B, dA += duᵀ x, dx += du A.
 */
import type { LoraShape } from '../lora/kernels.ts';

/** Returns u and y0 + s·u Bᵀ (y0 is not modified). */
export function loraForwardRef(
  x: Float32Array,
  a: Float32Array,
  b: Float32Array,
  y0: Float32Array,
  d: LoraShape,
): { u: Float32Array; y: Float32Array } {
  const { T, inFeatures: K, outFeatures: N, rank: R, scale } = d;
  const u = new Float32Array(T * R);
  const y = Float32Array.from(y0);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < R; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[t * K + k] * a[j * K + k];
      u[t * R + j] = s;
    }
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let j = 0; j < R; j++) s += u[t * R + j] * b[n * R + j];
      y[t * N + n] += scale * s;
    }
  }
  return { u, y };
}

/** Gradients of one LoRA application: dA, dB (not accumulated), du, and the du A term to add to dx. */
export function loraBackwardRef(
  x: Float32Array,
  dy: Float32Array,
  u: Float32Array,
  a: Float32Array,
  b: Float32Array,
  d: LoraShape,
): { da: Float32Array; db: Float32Array; du: Float32Array; dx: Float32Array } {
  const { T, inFeatures: K, outFeatures: N, rank: R, scale } = d;
  const du = new Float32Array(T * R);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < R; j++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += dy[t * N + n] * b[n * R + j];
      du[t * R + j] = scale * s;
    }
  }
  const db = new Float32Array(N * R);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < R; j++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += dy[t * N + n] * u[t * R + j];
      db[n * R + j] = scale * s;
    }
  }
  const da = new Float32Array(R * K);
  for (let j = 0; j < R; j++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += du[t * R + j] * x[t * K + k];
      da[j * K + k] = s;
    }
  }
  const dx = new Float32Array(T * K);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < R; j++) s += du[t * R + j] * a[j * K + k];
      dx[t * K + k] = s;
    }
  }
  return { da, db, du, dx };
}
