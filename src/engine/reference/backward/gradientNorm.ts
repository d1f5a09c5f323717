/** CPU twins of the gradient utilities, in f64: global sum of squares and clipping by the global norm. */
export function sumOfSquaresRef(buffers: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const b of buffers) for (let i = 0; i < b.length; i++) s += b[i] * b[i];
  return s;
}

/** The factor clipping applies: min(1, maxNorm / (‖g‖ + 1e-6)), as torch's clip_grad_norm_ does. */
export function clipFactorRef(sumOfSquares: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (Math.sqrt(sumOfSquares) + 1e-6));
}
