/**
 * CPU twin of rmsnormBackward, in f64. Forward: y[t, d] = x[t, d] · r[t] · w[d], r = (mean(x²) + eps)^-½.
 * With g = dy · w: dx = r · (g − x · r² · mean(g · x)), dw = Σ_t dy · x · r. Shapes: x, dy [T, D], w [D], rstd [T].
 */
export function rmsnormBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  rstd: ArrayLike<number>,
  T: number,
  D: number,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(T * D);
  const dw = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    const r = rstd[t];
    let gx = 0;
    for (let d = 0; d < D; d++) gx += dy[t * D + d] * w[d] * x[t * D + d];
    const c = (r * r * gx) / D;
    for (let d = 0; d < D; d++) {
      const i = t * D + d;
      dx[i] = r * (dy[i] * w[d] - x[i] * c);
      dw[d] += dy[i] * x[i] * r;
    }
  }
  return { dx, dw };
}
