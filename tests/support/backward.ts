// Shared by the backward tests: small f64 forwards (the functions whose gradients the backward kernels
// compute), central finite differences, and a relative error that ignores the scale of the values.
import type { AttentionShape } from '../../src/engine/reference/backward/attentionBackward.ts';

/** ∂/∂x_j of Σ_i weights_i · f(x)_i for every j, by central differences in f64. */
export function numericGradient(
  f: (x: Float64Array) => ArrayLike<number>,
  x: ArrayLike<number>,
  weights: ArrayLike<number>,
  h = 1e-5,
): Float64Array {
  const point = Float64Array.from(x);
  const loss = () => {
    const y = f(point);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += weights[i] * y[i];
    return s;
  };
  const grad = new Float64Array(point.length);
  for (let j = 0; j < point.length; j++) {
    const keep = point[j];
    point[j] = keep + h;
    const up = loss();
    point[j] = keep - h;
    const down = loss();
    point[j] = keep;
    grad[j] = (up - down) / (2 * h);
  }
  return grad;
}

export function rmsnormForward(x: ArrayLike<number>, w: ArrayLike<number>, T: number, D: number, eps: number) {
  const y = new Float64Array(T * D);
  const rstd = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let d = 0; d < D; d++) ss += x[t * D + d] ** 2;
    rstd[t] = 1 / Math.sqrt(ss / D + eps);
    for (let d = 0; d < D; d++) y[t * D + d] = x[t * D + d] * rstd[t] * w[d];
  }
  return { y, rstd };
}

/** Rotate-half RoPE with the angle formed in f32 (as the kernels form it). */
export function ropeForward(
  x: ArrayLike<number>,
  positions: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  T: number,
  nHeads: number,
  headDim: number,
): Float64Array {
  const half = headDim / 2;
  const y = new Float64Array(T * nHeads * headDim);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(positions[t] * Math.fround(invFreq[i]));
        const [x1, x2] = [x[base + i], x[base + i + half]];
        y[base + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
        y[base + i + half] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
      }
    }
  }
  return y;
}

export function siluGateForward(g: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
  return Float64Array.from(g, (gi, i) => (gi / (1 + Math.exp(-gi))) * u[i]);
}

/** Causal GQA attention over packed sequences; returns o [T, nHeads·d] and lse [nHeads, T]. */
export function attentionForward(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  shape: AttentionShape,
) {
  const { seqLengths, nHeads, nKvHeads, headDim: d } = shape;
  const T = seqLengths.reduce((a, b) => a + b, 0);
  const qRow = nHeads * d;
  const kvRow = nKvHeads * d;
  const o = new Float64Array(T * qRow);
  const lse = new Float64Array(nHeads * T);
  let start = 0;
  for (const len of seqLengths) {
    for (let h = 0; h < nHeads; h++) {
      const kvh = Math.floor(h / (nHeads / nKvHeads));
      for (let t = start; t < start + len; t++) {
        const scores: number[] = [];
        for (let s = start; s <= t; s++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[t * qRow + h * d + c] * k[s * kvRow + kvh * d + c];
          scores.push(dot / Math.sqrt(d));
        }
        const max = Math.max(...scores);
        const sum = scores.reduce((acc, sc) => acc + Math.exp(sc - max), 0);
        lse[h * T + t] = max + Math.log(sum);
        for (let s = start; s <= t; s++) {
          const p = Math.exp(scores[s - start] - lse[h * T + t]);
          for (let c = 0; c < d; c++) o[t * qRow + h * d + c] += p * v[s * kvRow + kvh * d + c];
        }
      }
    }
    start += len;
  }
  return { o, lse };
}

export function embeddingForward(table: ArrayLike<number>, tokens: ArrayLike<number>, D: number): Float64Array {
  const h = new Float64Array(tokens.length * D);
  for (let t = 0; t < tokens.length; t++) for (let d = 0; d < D; d++) h[t * D + d] = table[tokens[t] * D + d];
  return h;
}

/** y = x Wᵀ + b for x [M, K], W [N, K]. */
export function linearForward(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  N: number,
  K: number,
) {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = b[n];
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
      y[m * N + n] = s;
    }
  }
  return y;
}
