/** CPU twin of the chunked logits + online log-sum-exp: lse[t] = log Σ_v e^{z[t, v]} over logits z [T, V], in f64. */
export function logSumExpRef(z: ArrayLike<number>, T: number, V: number): Float32Array {
  const lse = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, z[t * V + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(z[t * V + v] - max);
    lse[t] = max + Math.log(sum);
  }
  return lse;
}
