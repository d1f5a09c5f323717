// CPU twin of the sampling kernel: the same counter-based draw and the same filters, in f64.
import type { SampleRow } from '../kernels/sample.ts';

/** PCG's output hash of one u32 (the kernel's pcg). */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The kernel's uniform draw in [0, 1) for (seed, row, step). */
export function uniformDraw(seed: number, row: number, step: number): number {
  return (pcgHash((seed ^ pcgHash((row ^ pcgHash(step)) >>> 0)) >>> 0) >>> 8) / 16777216;
}

function argmax(z: ArrayLike<number>): number {
  let best = 0;
  for (let v = 1; v < z.length; v++) if (z[v] > z[best]) best = v;
  return best;
}

/** The smallest logit a row keeps: the k-th largest, then the smallest top set holding topP of the mass. */
function keptFloor(z: ArrayLike<number>, weights: Float64Array, topK: number, topP: number): number {
  const order = Array.from({ length: z.length }, (_, v) => v).sort((a, b) => z[b] - z[a]);
  const k = topK > 0 ? Math.min(topK, z.length) : z.length;
  const floorK = z[order[k - 1]];
  const inTopK = order.filter((v) => z[v] >= floorK);
  const total = inTopK.reduce((s, v) => s + weights[v], 0);
  let mass = 0;
  for (let i = 0; i < inTopK.length; i++) {
    mass += weights[inTopK[i]];
    // Ties of a logit stand or fall together: only stop where the next logit is smaller.
    const lastOfValue = i + 1 === inTopK.length || z[inTopK[i + 1]] < z[inTopK[i]];
    if (lastOfValue && mass >= topP * total) return z[inTopK[i]];
  }
  return floorK;
}

/** The token the kernel picks for one row of logits, given its uniform draw u. */
export function sampleRowRef(z: ArrayLike<number>, row: SampleRow, u: number): number {
  const best = argmax(z);
  if (row.temperature <= 0 || row.topK === 1) return best;
  const weights = Float64Array.from(z, (x) => Math.exp((x - z[best]) / row.temperature));
  const floor = keptFloor(z, weights, row.topK ?? 0, row.topP ?? 1);
  let kept = 0;
  for (let v = 0; v < z.length; v++) if (z[v] >= floor) kept += weights[v];
  let running = 0;
  let last = best;
  for (let v = 0; v < z.length; v++) {
    if (z[v] < floor) continue;
    last = v;
    running += weights[v];
    if (running > u * kept) return v;
  }
  return last;
}
