// CPU twins of the forward operators of a decoder layer, written for clarity: one loop nest per formula,
// f64 accumulation, f32 results. Shapes are row-major [tokens, features] for one sequence.
import { rmsnormWithRstdRef } from './rmsnorm.ts';

/** y[t, :] = x[t, :] / sqrt(mean(x[t, :]²) + eps) · w.  x [T, D], w [D]. */
export function rmsnormRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  T: number,
  D: number,
  eps: number,
): Float32Array {
  return rmsnormWithRstdRef(x, w, T, D, eps).y;
}

/**
 * Rotary position embedding, rotate-half convention: in every head, pair (i, i + d/2) is rotated by the angle
 * positions[t] · invFreq[i]. The angle is rounded to f32, as the GPU forms it.  x [T, nHeads · headDim].
 */
export function ropeRef(
  x: ArrayLike<number>,
  positions: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  T: number,
  nHeads: number,
  headDim: number,
): Float32Array {
  const half = headDim / 2;
  const y = new Float32Array(T * nHeads * headDim);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(positions[t] * invFreq[i]);
        const [c, s] = [Math.cos(angle), Math.sin(angle)];
        const [x1, x2] = [x[base + i], x[base + i + half]];
        y[base + i] = x1 * c - x2 * s;
        y[base + i + half] = x2 * c + x1 * s;
      }
    }
  }
  return y;
}

/**
 * Causal grouped-query attention for one sequence: query head h reads kv head floor(h / (nHeads / nKvHeads)).
 * o[t] = Σ_{s ≤ t} softmax_s(q[t] · k[s] / √d) v[s].  q, o [T, nHeads · d]; k, v [T, nKvHeads · d].
 */
export function attentionRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  T: number,
  nHeads: number,
  nKvHeads: number,
  d: number,
): Float32Array {
  const group = nHeads / nKvHeads;
  const scale = 1 / Math.sqrt(d);
  const o = new Float32Array(T * nHeads * d);
  const scores = new Float64Array(T);
  for (let h = 0; h < nHeads; h++) {
    const kvHead = Math.floor(h / group);
    for (let t = 0; t < T; t++) {
      const qi = (t * nHeads + h) * d;
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        const ki = (s * nKvHeads + kvHead) * d;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[qi + c] * k[ki + c];
        scores[s] = dot * scale;
        max = Math.max(max, scores[s]);
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) sum += scores[s] = Math.exp(scores[s] - max);
      for (let c = 0; c < d; c++) {
        let acc = 0;
        for (let s = 0; s <= t; s++) acc += scores[s] * v[(s * nKvHeads + kvHead) * d + c];
        o[qi + c] = acc / sum;
      }
    }
  }
  return o;
}

/** The SwiGLU gate: m = silu(g) · u = g · sigmoid(g) · u, element by element. */
export function siluGateRef(g: ArrayLike<number>, u: ArrayLike<number>): Float32Array {
  const m = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) m[i] = (g[i] / (1 + Math.exp(-g[i]))) * u[i];
  return m;
}
