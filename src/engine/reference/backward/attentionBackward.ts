/**
 * CPU twin of attentionBackward, in f64: causal GQA attention over sequences packed row after row.
 * Forward (per sequence, head h, kv head h / (nHeads / nKvHeads)): S = q kᵀ / √d, P = softmax(S) over keys
 * s ≤ t of the same sequence, o = P v, lse[h, t] = log Σ_s exp(S[t, s]).
 * Backward: P = exp(S − lse), Δ_t = dO_t · o_t, dS = P (dO vᵀ − Δ), dq = dS k / √d, dk = dSᵀ q / √d, dv = Pᵀ dO;
 * a kv head's dk, dv sum over the query heads that share it.
 * Shapes: q, o, dO [T, nHeads · d]; k, v [T, nKvHeads · d]; lse [nHeads, T]; seqLengths sum to T.
 */
export interface AttentionShape {
  seqLengths: readonly number[];
  nHeads: number;
  nKvHeads: number;
  headDim: number;
}

export interface AttentionSaved {
  q: ArrayLike<number>;
  k: ArrayLike<number>;
  v: ArrayLike<number>;
  o: ArrayLike<number>;
  lse: ArrayLike<number>;
}

function dot(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, n: number): number {
  let s = 0;
  for (let c = 0; c < n; c++) s += a[ai + c] * b[bi + c];
  return s;
}

function addScaled(out: Float64Array, oi: number, alpha: number, x: ArrayLike<number>, xi: number, n: number): void {
  for (let c = 0; c < n; c++) out[oi + c] += alpha * x[xi + c];
}

export function attentionBackwardRef(
  saved: AttentionSaved,
  dO: ArrayLike<number>,
  shape: AttentionShape,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { seqLengths, nHeads, nKvHeads, headDim: d } = shape;
  const T = seqLengths.reduce((a, b) => a + b, 0);
  const { q, k, v, o, lse } = saved;
  const group = nHeads / nKvHeads;
  const qRow = nHeads * d;
  const kvRow = nKvHeads * d;
  const scale = 1 / Math.sqrt(d);
  const dq = new Float64Array(T * qRow);
  const dk = new Float64Array(T * kvRow);
  const dv = new Float64Array(T * kvRow);
  let start = 0;
  for (const len of seqLengths) {
    for (let h = 0; h < nHeads; h++) {
      const kvh = Math.floor(h / group);
      for (let t = start; t < start + len; t++) {
        const qi = t * qRow + h * d;
        const delta = dot(dO, qi, o, qi, d);
        for (let s = start; s <= t; s++) {
          const ki = s * kvRow + kvh * d;
          const p = Math.exp(scale * dot(q, qi, k, ki, d) - lse[h * T + t]);
          const ds = p * (dot(dO, qi, v, ki, d) - delta) * scale;
          addScaled(dq, qi, ds, k, ki, d);
          addScaled(dk, ki, ds, q, qi, d);
          addScaled(dv, ki, p, dO, qi, d);
        }
      }
    }
    start += len;
  }
  return { dq, dk, dv };
}
