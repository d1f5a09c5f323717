import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { rmsnorm } from '../../src/engine/kernels/rmsnorm.ts';
import { rmsnormRef } from '../../src/engine/reference/ops.ts';
import { rmsnormWithRstdRef } from '../../src/engine/reference/rmsnorm.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { submit } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

describe('rmsnorm on WebGPU', () => {
  for (const [T, D, eps] of [
    [1, 8, 1e-6],
    [3, 33, 1e-5],
    [70, 896, 1e-6],
  ] as const) {
    it(`matches the CPU twin and saves rstd for T=${T} D=${D}`, async () => {
      const { device } = await testGpu();
      const x = randomF32(T * D, 31).map((v, i) => v * (1 + (i % 7))); // rows of different scales
      const w = randomF32(D, 32);
      const [y, rstd] = [createStorageBuffer(device, T * D * 4), createStorageBuffer(device, T * 4)];
      submit(device, (e) =>
        rmsnorm(device, e, { x: uploadBuffer(device, x), w: uploadBuffer(device, w), y, rstd, T, D, eps }),
      );
      const want = rmsnormWithRstdRef(x, w, T, D, eps);
      expect(relativeError(await readF32(device, y, T * D), want.y)).toBeLessThan(1e-5);
      expect(relativeError(await readF32(device, rstd, T), want.rstd)).toBeLessThan(1e-5);
      expect(relativeError(want.y, rmsnormRef(x, w, T, D, eps))).toBe(0);
    });
  }
});
