/**
 * CPU twin of ropeBackward, in f64. The forward rotates each head's pair (i, i + d/2) by the angle
 * pos[t] · invFreq[i] (rotate-half convention); the backward rotates the gradient by the negative angle:
 * dx₁ = dy₁ cos + dy₂ sin, dx₂ = dy₂ cos − dy₁ sin. Shapes: dy [T, nHeads · headDim], positions [T],
 * invFreq [headDim / 2]. The angle is formed in f32 as the kernels form it.
 */
export function ropeBackwardRef(
  dy: ArrayLike<number>,
  positions: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  T: number,
  nHeads: number,
  headDim: number,
): Float64Array {
  const half = headDim / 2;
  const dx = new Float64Array(T * nHeads * headDim);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(positions[t] * Math.fround(invFreq[i]));
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        const dy1 = dy[base + i];
        const dy2 = dy[base + i + half];
        dx[base + i] = dy1 * c + dy2 * s;
        dx[base + i + half] = dy2 * c - dy1 * s;
      }
    }
  }
  return dx;
}
