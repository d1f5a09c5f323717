import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { matmulF32 } from '../../src/engine/kernels/matmul.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { maxAbsDiff, randomF32, testGpu } from '../support/gpu.ts';

describe('matmulF32 on WebGPU', () => {
  it('reaches a real adapter', async () => {
    const { info } = await testGpu();
    expect(info.vendor.length).toBeGreaterThan(0);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  for (const [M, N, K, withBias] of [
    [1, 1, 1, false],
    [7, 33, 19, true],
    [64, 64, 64, false],
    [45, 70, 130, true],
  ] as const) {
    it(`matches the CPU twin for M=${M} N=${N} K=${K}${withBias ? ' with bias' : ''}`, async () => {
      const { device } = await testGpu();
      const x = randomF32(M * K, 1);
      const w = randomF32(N * K, 2);
      const bias = withBias ? randomF32(N, 3) : undefined;
      const y = createStorageBuffer(device, M * N * 4);
      const encoder = device.createCommandEncoder();
      matmulF32(device, encoder, {
        x: uploadBuffer(device, x),
        w: uploadBuffer(device, w),
        bias: bias && uploadBuffer(device, bias),
        y,
        M,
        N,
        K,
      });
      device.queue.submit([encoder.finish()]);
      const got = await readF32(device, y, M * N);
      expect(maxAbsDiff(got, matmulRef(x, w, M, N, K, bias))).toBeLessThan(1e-4);
    });
  }
});
