/**
 * CPU twin of matmul: Y[M, N] = X[M, K] · W[N, K]ᵀ (+ bias[N]), or with layout "KN" Y = X · W[K, N];
 * accumulated in f64.
 */
export function matmulRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  M: number,
  N: number,
  K: number,
  bias?: ArrayLike<number>,
  layout: 'NK' | 'KN' = 'NK',
): Float32Array {
  const y = new Float32Array(M * N);
  const [nStride, kStride] = layout === 'NK' ? [K, 1] : [1, N];
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * nStride + k * kStride];
      y[m * N + n] = s;
    }
  }
  return y;
}
