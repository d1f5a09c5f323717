import { dequantizeQ4, type Q4Matrix } from '../quant/q4.ts';
import { matmulRef } from './matmul.ts';

/**
 * CPU twin of q4Matmul: dequantizes with MLC's rule w = (code − 7) · scale (quant/q4.ts), then multiplies in f64.
 * "NK": w is stored [≥ wRowBase + N, K] and Y = X W[wRowBase : wRowBase + N]ᵀ; "KN": w is stored [K, N] and Y = X W.
 */
export function q4MatmulRef(
  x: ArrayLike<number>,
  w: Q4Matrix,
  M: number,
  N: number,
  K: number,
  options: { bias?: ArrayLike<number>; layout?: 'NK' | 'KN'; wRowBase?: number } = {},
): Float32Array {
  const layout = options.layout ?? 'NK';
  const dense = layout === 'NK' ? dequantizeQ4(w, options.wRowBase ?? 0, N) : dequantizeQ4(w);
  return matmulRef(x, dense, M, N, K, options.bias, layout);
}
