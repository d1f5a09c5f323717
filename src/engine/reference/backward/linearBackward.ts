/**
 * CPU twins of the full-training linear-layer gradients, in f64, for y = x Wᵀ + b with dy [M, N], x [M, K]:
 * dW [N, K] = scale · dyᵀ x and db [N] = Σ_m dy[m, :]. The kernels accumulate into existing buffers; the
 * twins return the increments.
 */
export function weightGradRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  M: number,
  N: number,
  K: number,
  scale = 1,
): Float64Array {
  const dw = new Float64Array(N * K);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      const g = scale * dy[m * N + n];
      for (let k = 0; k < K; k++) dw[n * K + k] += g * x[m * K + k];
    }
  }
  return dw;
}

export function biasGradRef(dy: ArrayLike<number>, M: number, N: number): Float64Array {
  const db = new Float64Array(N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) db[n] += dy[m * N + n];
  return db;
}
