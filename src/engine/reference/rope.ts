import type { RopeLayout } from '../kernels/rope.ts';
import { ropeRef } from './ops.ts';

/**
 * CPU twin of the rope kernel: the heads at columns [colOffset, colOffset + nHeads · headDim) of each row of x
 * [T, rowStride] turned by ops.ts's ropeRef (by the negative angle when inverse); other columns are copied.
 */
export function ropeStridedRef(
  x: ArrayLike<number>,
  positions: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  l: RopeLayout,
): Float32Array {
  const width = l.nHeads * l.headDim;
  const stride = l.rowStride ?? width;
  const offset = l.colOffset ?? 0;
  const heads = new Float32Array(l.T * width);
  for (let t = 0; t < l.T; t++)
    heads.set(
      Array.from({ length: width }, (_, c) => x[t * stride + offset + c]),
      t * width,
    );
  // fround(−p · f) = −fround(p · f): negating the positions turns by exactly the negative angle.
  const angles = Array.from(positions, (p) => (l.inverse ? -p : p));
  const turned = ropeRef(heads, angles, invFreq, l.T, l.nHeads, l.headDim);
  const out = Float32Array.from(x);
  for (let t = 0; t < l.T; t++) out.set(turned.subarray(t * width, (t + 1) * width), t * stride + offset);
  return out;
}
