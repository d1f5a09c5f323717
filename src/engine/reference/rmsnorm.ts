/** CPU twin of rmsnorm: y = x · r · w per row and r = (mean(x²) + eps)^-½ per row, accumulated in f64. */
export function rmsnormWithRstdRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  T: number,
  D: number,
  eps: number,
): { y: Float32Array; rstd: Float32Array } {
  const y = new Float32Array(T * D);
  const rstd = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let sumSquares = 0;
    for (let d = 0; d < D; d++) sumSquares += x[t * D + d] ** 2;
    const r = 1 / Math.sqrt(sumSquares / D + eps);
    rstd[t] = r;
    for (let d = 0; d < D; d++) y[t * D + d] = x[t * D + d] * r * w[d];
  }
  return { y, rstd };
}
