/**
 * CPU twin of the fused, vocabulary-chunked loss (train/fusedLoss.ts), computed unchunked in f64:
 * z = H Eᵀ / τ [T, V] (τ the sampling temperature), lse_t = log Σ_v e^{z_tv}, logp_t = z_{t,y_t} − lse_t,
 * L = −Σ_t w_t logp_t, dz_t = (w_t / τ) (softmax(z_t) − onehot(y_t)) (per raw logit), dH = dz E [T, D], dE = dzᵀ H.
 */
export interface FusedLossRef {
  logp: Float32Array;
  lse: Float32Array;
  loss: number;
  dh: Float32Array;
  de: Float32Array;
}

export function fusedLossRef(
  h: Float32Array,
  e: Float32Array,
  targets: ArrayLike<number>,
  weights: ArrayLike<number>,
  T: number,
  V: number,
  D: number,
  temperature = 1,
): FusedLossRef {
  const out: FusedLossRef = {
    logp: new Float32Array(T),
    lse: new Float32Array(T),
    loss: 0,
    dh: new Float32Array(T * D),
    de: new Float32Array(V * D),
  };
  const z = new Float64Array(V);
  for (let t = 0; t < T; t++) {
    const y = targets[t];
    if (!(y >= 0 && y < V))
      throw new Error(`fusedLossRef: target ${y} of token ${t} is outside the vocabulary of ${V}`);
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += h[t * D + d] * e[v * D + d];
      z[v] = s / temperature;
      max = Math.max(max, z[v]);
    }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(z[v] - max);
    const lse = max + Math.log(sum);
    out.lse[t] = lse;
    out.logp[t] = z[y] - lse;
    out.loss -= weights[t] * (z[y] - lse);
    for (let v = 0; v < V; v++) {
      const dz = (weights[t] / temperature) * (Math.exp(z[v] - lse) - (v === y ? 1 : 0));
      if (dz === 0) continue;
      for (let d = 0; d < D; d++) {
        out.dh[t * D + d] += dz * e[v * D + d];
        out.de[v * D + d] += dz * h[t * D + d];
      }
    }
  }
  return out;
}
