// The gpu kernel family's kernels against the same CPU twins as their emulator siblings, over odd shapes, with
// both split-K reductions (subgroupAdd, which SwiftShader has, and workgroup memory).
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels } from '../../src/engine/kernelFamily.ts';
import { q4Gemv } from '../../src/engine/kernels/q4gemv.ts';
import { q4GemvSplit } from '../../src/engine/kernels/q4gemvSplit.ts';
import { q4MatmulRef } from '../../src/engine/reference/q4matmul.ts';
import { recordDispatches } from '../../src/engine/dispatchAudit.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { randomQ4, submit, uploadQ4 } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

const REDUCTIONS = [
  { name: 'subgroupAdd', subgroups: true },
  { name: 'workgroup memory', subgroups: false },
] as const;

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

for (const reduction of REDUCTIONS) {
  describe(`gpu family, split-K q4 GEMV (${reduction.name})`, () => {
    for (const [B, N, K, withBias] of [
      [1, 257, 1056, true], // K past one sweep of the 128 threads (132 words)
      [3, 100, 96, false],
      [16, 37, 64, true],
    ] as const) {
      it(`matches the CPU twin for B=${B} N=${N} K=${K}${withBias ? ' with bias' : ''}`, async () => {
        const { device } = await testGpu();
        useKernels(device, 'gpu', { subgroups: reduction.subgroups });
        const x = randomF32(B * K, 21);
        const w = randomQ4(N, K, 22);
        const bias = withBias ? randomF32(N, 23) : undefined;
        const y = createStorageBuffer(device, B * N * 4);
        const operands = {
          x: uploadBuffer(device, x),
          ...uploadQ4(device, w),
          bias: bias && uploadBuffer(device, bias),
        };
        submit(device, (e) => q4Gemv(device, e, { ...operands, y, B, N, K }));
        expect(relativeError(await readF32(device, y, B * N), q4MatmulRef(x, w, B, N, K, { bias }))).toBeLessThan(1e-5);
      });
    }

    it('adds onto Y and reads a vocabulary chunk in place', async () => {
      const { device } = await testGpu();
      useKernels(device, 'gpu', { subgroups: reduction.subgroups });
      const [B, V, K, start, rows] = [3, 200, 96, 64, 100];
      const x = randomF32(B * K, 24);
      const w = randomQ4(V, K, 25);
      const residual = randomF32(B * rows, 26);
      const y = uploadBuffer(device, residual);
      submit(device, (e) =>
        q4GemvSplit(device, e, {
          x: uploadBuffer(device, x),
          ...uploadQ4(device, w),
          y,
          B,
          N: rows,
          K,
          wRowBase: start,
          accumulate: true,
        }),
      );
      const product = q4MatmulRef(x, w, B, rows, K, { wRowBase: start });
      const expected = product.map((v, i) => v + residual[i]);
      expect(relativeError(await readF32(device, y, B * rows), expected)).toBeLessThan(1e-5);
    });
  });
}

describe('gpu family, decode GEMV spread', () => {
  it("launches 4,096 threads for Qwen2.5-0.5B's 128-column k projection at batch 1 (the emulator's GEMV: 64)", async () => {
    const { device } = await testGpu();
    const [N, K] = [128, 896];
    const b = createStorageBuffer(device, N * K * 4);
    const threads = (family: 'gpu' | 'emulator') => {
      useKernels(device, family);
      const recorder = recordDispatches(device, { execute: false });
      submit(device, (e) => q4Gemv(device, e, { x: b, qweight: b, scales: b, y: b, B: 1, N, K }));
      recorder.stop();
      return recorder.dispatches[0].threads;
    };
    expect(threads('gpu')).toBe(4096);
    expect(threads('emulator')).toBe(64);
  });
});
