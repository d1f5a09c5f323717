/**
 * CPU twin of siluGateBackward, in f64. Forward m = silu(g) · u with silu(g) = g · σ(g); backward
 * du = dm · silu(g), dg = dm · u · σ · (1 + g · (1 − σ)). Shapes: g, u, dm, dg, du [T, I] (the fused
 * [T, 2I] layout is a GPU-side detail; the math is per element).
 */
export function siluGateBackwardRef(
  dm: ArrayLike<number>,
  g: ArrayLike<number>,
  u: ArrayLike<number>,
): { dg: Float64Array; du: Float64Array } {
  const n = dm.length;
  const dg = new Float64Array(n);
  const du = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sig = 1 / (1 + Math.exp(-g[i]));
    du[i] = dm[i] * g[i] * sig;
    dg[i] = dm[i] * u[i] * sig * (1 + g[i] * (1 - sig));
  }
  return { dg, du };
}
