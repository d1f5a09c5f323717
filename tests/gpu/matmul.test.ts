import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { matmul } from '../../src/engine/kernels/matmul.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { maxAbsDiff, randomF32, testGpu } from '../support/gpu.ts';
import { submit, uploadDense } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

describe('matmul on WebGPU', () => {
  it('reaches a real adapter', async () => {
    const { info } = await testGpu();
    expect(info.vendor.length).toBeGreaterThan(0);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  // Ragged shapes (K % 4 != 0 takes the scalar path), shapes crossing the 64 × 128 tile, and the vec4 path.
  for (const [M, N, K, withBias, layout] of [
    [1, 1, 1, false, 'NK'],
    [7, 33, 19, true, 'NK'],
    [64, 64, 64, false, 'NK'],
    [45, 70, 130, true, 'NK'],
    [130, 260, 68, true, 'NK'],
    [7, 33, 19, false, 'KN'],
    [70, 132, 36, true, 'KN'],
    [66, 130, 20, false, 'KN'],
  ] as const) {
    it(`matches the CPU twin for ${layout} M=${M} N=${N} K=${K}${withBias ? ' with bias' : ''}`, async () => {
      const { device } = await testGpu();
      const x = randomF32(M * K, 1);
      const w = randomF32(N * K, 2);
      const bias = withBias ? randomF32(N, 3) : undefined;
      const y = createStorageBuffer(device, M * N * 4);
      const operands = {
        x: uploadBuffer(device, x),
        w: uploadBuffer(device, w),
        bias: bias && uploadBuffer(device, bias),
      };
      submit(device, (e) => matmul(device, e, { ...operands, y, M, N, K, layout }));
      const got = await readF32(device, y, M * N);
      expect(maxAbsDiff(got, matmulRef(x, w, M, N, K, bias, layout))).toBeLessThan(1e-4);
    });
  }

  // 16-bit weights: widened in the kernel, so the result is the f32 product of the stored (rounded) values.
  for (const [format, M, N, K, layout] of [
    ['f16', 7, 33, 20, 'NK'],
    ['bf16', 70, 132, 36, 'NK'],
    ['f16', 66, 132, 20, 'KN'],
    ['bf16', 3, 36, 9, 'KN'],
  ] as const) {
    it(`matches the CPU twin for ${format} weights, ${layout} M=${M} N=${N} K=${K}`, async () => {
      const { device } = await testGpu();
      const x = randomF32(M * K, 6);
      const { weight, stored } = uploadDense(device, randomF32(N * K, 7), format);
      const bias = randomF32(N, 8);
      const y = createStorageBuffer(device, M * N * 4);
      submit(device, (e) =>
        matmul(device, e, {
          x: uploadBuffer(device, x),
          ...weight,
          bias: uploadBuffer(device, bias),
          y,
          M,
          N,
          K,
          layout,
        }),
      );
      expect(maxAbsDiff(await readF32(device, y, M * N), matmulRef(x, stored, M, N, K, bias, layout))).toBeLessThan(
        1e-4,
      );
    });
  }

  // A thin Y (N <= 32: a LoRA rank) takes the 32-column tile; scale and accumulate serve the LoRA side path.
  for (const [M, N, K, layout] of [
    [70, 16, 40, 'NK'],
    [9, 32, 24, 'KN'],
    [130, 3, 7, 'NK'],
  ] as const) {
    it(`adds scale · X W to Y for a thin ${layout} Y, M=${M} N=${N} K=${K}`, async () => {
      const { device } = await testGpu();
      const [x, w, y0] = [randomF32(M * K, 9), randomF32(N * K, 10), randomF32(M * N, 11)];
      const y = uploadBuffer(device, y0);
      submit(device, (e) =>
        matmul(device, e, {
          x: uploadBuffer(device, x),
          w: uploadBuffer(device, w),
          y,
          M,
          N,
          K,
          layout,
          scale: 0.25,
          accumulate: true,
        }),
      );
      const want = matmulRef(x, w, M, N, K, undefined, layout).map((v, i) => y0[i] + 0.25 * v);
      expect(maxAbsDiff(await readF32(device, y, M * N), want)).toBeLessThan(1e-5);
    });
  }

  it('refuses a 16-bit weight whose rows are not whole quads', async () => {
    const { device } = await testGpu();
    const b = createStorageBuffer(device, 256);
    expect(() =>
      submit(device, (e) => matmul(device, e, { x: b, w: b, format: 'f16', y: b, M: 1, N: 2, K: 6 })),
    ).toThrow(/f16 weight needs K % 4 == 0/);
  });

  it('multiplies a chunk of W rows in place with wRowBase', async () => {
    const { device } = await testGpu();
    const [M, V, K, start, rows] = [5, 300, 48, 130, 77];
    const x = randomF32(M * K, 4);
    const w = randomF32(V * K, 5);
    const y = createStorageBuffer(device, M * rows * 4);
    submit(device, (e) =>
      matmul(device, e, { x: uploadBuffer(device, x), w: uploadBuffer(device, w), y, M, N: rows, K, wRowBase: start }),
    );
    const want = matmulRef(x, w.subarray(start * K, (start + rows) * K), M, rows, K);
    expect(relativeError(await readF32(device, y, M * rows), want)).toBeLessThan(1e-5);
  });

  it('rejects an empty dimension by name', async () => {
    const { device } = await testGpu();
    const b = createStorageBuffer(device, 16);
    expect(() => submit(device, (e) => matmul(device, e, { x: b, w: b, y: b, M: 0, N: 1, K: 1 }))).toThrow(/M = 0/);
  });
});
