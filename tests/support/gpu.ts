// The gpu suite's device: one per test file, from the same engine code the app uses. A missing adapter
// fails the suite (it never skips): these tests exist to prove WebGPU runs here.
import { requestGpu, type Gpu } from '../../src/engine/gpu.ts';

let shared: Promise<Gpu> | undefined;
const errors: string[] = [];

export function testGpu(): Promise<Gpu> {
  shared ??= requestGpu().then((gpu) => {
    gpu.device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
    return gpu;
  });
  return shared;
}

/** Validation and out-of-memory errors the device raised since the last call (the setup file checks it). */
export function takeGpuErrors(): string[] {
  return errors.splice(0);
}

/** Deterministic values in [-1, 1) from a seed (xorshift), so failures reproduce. */
export function randomF32(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
