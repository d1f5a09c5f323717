// rmsnormBackward of both kernel families: the emulator's one thread per row, 64 rows to a workgroup, and the gpu
// family's rows of threads sized to D (several rows to a workgroup when D is small, the last workgroup partial).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels, type KernelFamily } from '../../src/engine/kernelFamily.ts';
import { rmsnormBackward } from '../../src/engine/kernels/rmsnormBackward.ts';
import { rmsnormBackwardRef } from '../../src/engine/reference/backward/rmsnormBackward.ts';
import { rmsnormForward } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

for (const family of ['emulator', 'gpu'] as const satisfies KernelFamily[])
  describe(`rmsnormBackward on WebGPU, ${family} kernels`, () => {
    beforeEach(async () => useKernels((await testGpu()).device, family));
    for (const [T, D, accumulate] of [
      [1, 3, false],
      [5, 37, true],
      [70, 64, true],
      [41, 5, false],
      [3, 896, false],
      [2, 1100, true],
    ] as const) {
      it(`matches the CPU twin for T=${T} D=${D}${accumulate ? ', accumulating' : ''}`, async () => {
        const { device } = await testGpu();
        const x = randomF32(T * D, 1);
        const w = randomF32(D, 2);
        const dy = randomF32(T * D, 3);
        const dx0 = accumulate ? randomF32(T * D, 4) : new Float32Array(T * D);
        const dw0 = randomF32(D, 5);
        const rstd = Float32Array.from(rmsnormForward(x, w, T, D, 1e-6).rstd);
        const dx = uploadBuffer(device, dx0);
        const dw = uploadBuffer(device, dw0);
        const encoder = device.createCommandEncoder();
        rmsnormBackward(device, encoder, {
          dy: uploadBuffer(device, dy),
          x: uploadBuffer(device, x),
          w: uploadBuffer(device, w),
          rstd: uploadBuffer(device, rstd),
          dx,
          dw,
          accumulate,
          T,
          D,
        });
        device.queue.submit([encoder.finish()]);
        const want = rmsnormBackwardRef(dy, x, w, rstd, T, D);
        const wantDx = want.dx.map((v, i) => v + dx0[i]);
        const wantDw = want.dw.map((v, i) => v + dw0[i]);
        expect(relativeError(await readF32(device, dx, T * D), wantDx)).toBeLessThan(1e-4);
        expect(relativeError(await readF32(device, dw, D), wantDw)).toBeLessThan(1e-4);
      });
    }
  });
