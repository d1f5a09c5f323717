import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { siluGateBackward } from '../../src/engine/kernels/siluGateBackward.ts';
import { siluGateBackwardRef } from '../../src/engine/reference/backward/siluGateBackward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

const [T, I] = [7, 300];
const g = Float32Array.from(randomF32(T * I, 1), (v) => 8 * v);
const u = randomF32(T * I, 2);
const dm = randomF32(T * I, 3);
const want = siluGateBackwardRef(dm, g, u);

/** [T, 2I] rows: gate columns then up columns. */
function interleave(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(2 * T * I);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < I; i++) {
      out[t * 2 * I + i] = a[t * I + i];
      out[t * 2 * I + I + i] = b[t * I + i];
    }
  }
  return out;
}

describe('siluGateBackward on WebGPU', () => {
  it('matches the CPU twin with separate gate and up buffers', async () => {
    const { device } = await testGpu();
    const dg = createStorageBuffer(device, T * I * 4);
    const du = createStorageBuffer(device, T * I * 4);
    const encoder = device.createCommandEncoder();
    siluGateBackward(device, encoder, {
      dm: uploadBuffer(device, dm),
      inputs: { g: uploadBuffer(device, g), u: uploadBuffer(device, u) },
      grads: { dg, du },
      T,
      I,
    });
    device.queue.submit([encoder.finish()]);
    expect(relativeError(await readF32(device, dg, T * I), want.dg)).toBeLessThan(1e-4);
    expect(relativeError(await readF32(device, du, T * I), want.du)).toBeLessThan(1e-4);
  });

  it('matches the CPU twin with the fused [T, 2I] gate-then-up layout', async () => {
    const { device } = await testGpu();
    const dgu = createStorageBuffer(device, 2 * T * I * 4);
    const encoder = device.createCommandEncoder();
    siluGateBackward(device, encoder, {
      dm: uploadBuffer(device, dm),
      inputs: { gateUp: uploadBuffer(device, interleave(g, u)) },
      grads: { dGateUp: dgu },
      T,
      I,
    });
    device.queue.submit([encoder.finish()]);
    expect(relativeError(await readF32(device, dgu, 2 * T * I), interleave(want.dg, want.du))).toBeLessThan(1e-4);
  });
});
