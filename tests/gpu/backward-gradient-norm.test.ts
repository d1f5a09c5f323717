// Both kernel families: stage 1 of the sum of squares reduces a workgroup to one partial (gpu) or lets every
// thread write its own (emulator, no barriers).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels, type KernelFamily } from '../../src/engine/kernelFamily.ts';
import { clipByGlobalNorm, sumOfSquares } from '../../src/engine/kernels/gradientUtils.ts';
import { clipFactorRef, sumOfSquaresRef } from '../../src/engine/reference/backward/gradientNorm.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

for (const family of ['emulator', 'gpu'] as const satisfies KernelFamily[])
  describe(`gradient norm and clipping on WebGPU, ${family} kernels`, () => {
    beforeEach(async () => useKernels((await testGpu()).device, family));
    for (const maxNorm of [1, 1e6]) {
      it(`sums squares over buffers of ragged sizes and clips to norm ${maxNorm}`, async () => {
        const { device } = await testGpu();
        const values = [1, 300, 70_001, 5000].map((n, i) => randomF32(n, 10 + i));
        const buffers = values.map((v) => ({ buffer: uploadBuffer(device, v), count: v.length }));
        const total = createStorageBuffer(device, 4);
        const encoder = device.createCommandEncoder();
        sumOfSquares(device, encoder, buffers, total);
        clipByGlobalNorm(device, encoder, buffers, total, maxNorm);
        device.queue.submit([encoder.finish()]);
        const want = sumOfSquaresRef(values);
        const [got] = await readF32(device, total, 1);
        expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
        const factor = clipFactorRef(want, maxNorm);
        for (const [i, v] of values.entries()) {
          expect(
            relativeError(
              await readF32(device, buffers[i].buffer, v.length),
              v.map((x) => x * factor),
            ),
          ).toBeLessThan(1e-5);
        }
        expect(factor < 1).toBe(maxNorm === 1);
      });
    }
  });
