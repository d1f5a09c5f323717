import { siluGateRef } from './ops.ts';

/** CPU twin of siluGate on MLC's fused gate_up [T, 2I] (gate columns first): ops.ts's siluGateRef on the halves. */
export function siluGateFusedRef(gateUp: ArrayLike<number>, T: number, I: number): Float32Array {
  const g = new Float32Array(T * I);
  const u = new Float32Array(T * I);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < I; i++) {
      g[t * I + i] = gateUp[t * 2 * I + i];
      u[t * I + i] = gateUp[t * 2 * I + I + i];
    }
  }
  return siluGateRef(g, u);
}
