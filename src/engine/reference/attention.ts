import type { AttentionLayout } from '../kernels/attention.ts';

/**
 * CPU twin of the attention kernel, in f64: query row r, head h attends to key rows keys[2r] .. keys[2r] +
 * keys[2r + 1] − 1 of kv head h / (nHeads / nKvHeads); o [R, nHeads · d] and lse [nHeads, R] (natural log of
 * Σ e^{q · k / √d}).
 */
export function attentionRowsRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  keys: ArrayLike<number>,
  l: AttentionLayout,
): { o: Float32Array; lse: Float32Array } {
  const d = l.headDim;
  const qStride = l.qRowStride ?? l.nHeads * d;
  const kvStride = l.kvRowStride ?? l.nKvHeads * d;
  const group = l.nHeads / l.nKvHeads;
  const o = new Float32Array(l.R * l.nHeads * d);
  const lse = new Float32Array(l.nHeads * l.R);
  for (let r = 0; r < l.R; r++) {
    const [first, count] = [keys[2 * r], keys[2 * r + 1]];
    for (let h = 0; h < l.nHeads; h++) {
      const qi = r * qStride + (l.qColOffset ?? 0) + h * d;
      const kvCol = Math.floor(h / group) * d;
      const scores = new Float64Array(count);
      for (let j = 0; j < count; j++) {
        const ki = (first + j) * kvStride + (l.kColOffset ?? 0) + kvCol;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[qi + c] * k[ki + c];
        scores[j] = dot / Math.sqrt(d);
      }
      const max = Math.max(...scores);
      let sum = 0;
      for (let j = 0; j < count; j++) sum += scores[j] = Math.exp(scores[j] - max);
      lse[h * l.R + r] = max + Math.log(sum);
      for (let c = 0; c < d; c++) {
        let acc = 0;
        for (let j = 0; j < count; j++) acc += scores[j] * v[(first + j) * kvStride + (l.vColOffset ?? 0) + kvCol + c];
        o[(r * l.nHeads + h) * d + c] = acc / sum;
      }
    }
  }
  return { o, lse };
}
