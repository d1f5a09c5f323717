/** CPU twin of matmulF32: Y[M, N] = X[M, K] · W[N, K]ᵀ (+ bias[N]), accumulated in f64. */
export function matmulRef(x: Float32Array, w: Float32Array, M: number, N: number, K: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
      y[m * N + n] = s;
    }
  }
  return y;
}
