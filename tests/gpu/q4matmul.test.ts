import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { q4Gemv } from '../../src/engine/kernels/q4gemv.ts';
import { q4Matmul } from '../../src/engine/kernels/q4matmul.ts';
import { q4MatmulRef } from '../../src/engine/reference/q4matmul.ts';
import { dequantizeQ4 } from '../../src/engine/quant/q4.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { randomQ4, submit, uploadQ4 } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

describe('q4Matmul (prefill GEMM) on WebGPU', () => {
  // M = 1, 7 take a one-thread-high tile, 16 and 30 a decode batch's short tile, the rest the full 64 rows.
  for (const [M, N, K, withBias, layout] of [
    [1, 1, 32, false, 'NK'],
    [7, 33, 64, true, 'NK'],
    [16, 300, 64, true, 'NK'],
    [30, 64, 96, false, 'NK'],
    [70, 200, 96, false, 'NK'],
    [130, 131, 256, true, 'NK'],
    [7, 32, 8, false, 'KN'],
    [65, 160, 40, true, 'KN'],
    [130, 256, 64, false, 'KN'],
  ] as const) {
    it(`matches the CPU twin for ${layout} M=${M} N=${N} K=${K}${withBias ? ' with bias' : ''}`, async () => {
      const { device } = await testGpu();
      const x = randomF32(M * K, 11);
      const w = layout === 'NK' ? randomQ4(N, K, 12) : randomQ4(K, N, 12);
      const bias = withBias ? randomF32(N, 13) : undefined;
      const y = createStorageBuffer(device, M * N * 4);
      const operands = { x: uploadBuffer(device, x), ...uploadQ4(device, w), bias: bias && uploadBuffer(device, bias) };
      submit(device, (e) => q4Matmul(device, e, { ...operands, y, M, N, K, layout }));
      const want = q4MatmulRef(x, w, M, N, K, { bias, layout });
      expect(relativeError(await readF32(device, y, M * N), want)).toBeLessThan(1e-5);
    });
  }

  it('dequantizes exactly: a one-hot X reads back the dequantized weight', async () => {
    const { device } = await testGpu();
    const [N, K] = [40, 64];
    const w = randomQ4(N, K, 14);
    const x = new Float32Array(K * K);
    for (let k = 0; k < K; k++) x[k * K + k] = 1; // X = I, so Y = dequant(W)ᵀ
    const y = createStorageBuffer(device, K * N * 4);
    submit(device, (e) => q4Matmul(device, e, { x: uploadBuffer(device, x), ...uploadQ4(device, w), y, M: K, N, K }));
    const got = await readF32(device, y, K * N);
    const dense = dequantizeQ4(w);
    const transposed = Float32Array.from({ length: K * N }, (_, i) => dense[(i % N) * K + Math.floor(i / N)]);
    expect(Array.from(got)).toEqual(Array.from(transposed));
  });

  it('multiplies a vocabulary chunk in place with wRowBase', async () => {
    const { device } = await testGpu();
    const [M, V, K, start, rows] = [9, 300, 64, 100, 150];
    const x = randomF32(M * K, 15);
    const w = randomQ4(V, K, 16);
    const y = createStorageBuffer(device, M * rows * 4);
    submit(device, (e) =>
      q4Matmul(device, e, { x: uploadBuffer(device, x), ...uploadQ4(device, w), y, M, N: rows, K, wRowBase: start }),
    );
    const want = q4MatmulRef(x, w, M, rows, K, { wRowBase: start });
    expect(relativeError(await readF32(device, y, M * rows), want)).toBeLessThan(1e-5);
  });

  it('names the axis that breaks the q4 group size', async () => {
    const { device } = await testGpu();
    const b = createStorageBuffer(device, 4096);
    const record = () =>
      submit(device, (e) => q4Matmul(device, e, { x: b, qweight: b, scales: b, y: b, M: 1, N: 8, K: 40 }));
    expect(record).toThrow(/K = 40 must be a multiple of 32/);
  });
});

describe('q4Gemv (batched decode) on WebGPU', () => {
  for (const [B, N, K, withBias] of [
    [1, 1, 32, false],
    [1, 257, 64, true],
    [3, 100, 96, false],
    [8, 64, 128, true],
    [16, 36, 64, true], // two quads a thread; the last thread's second quad is past N
    [17, 300, 64, false],
    [32, 90, 32, true],
  ] as const) {
    it(`matches the CPU twin for B=${B} N=${N} K=${K}${withBias ? ' with bias' : ''}`, async () => {
      const { device } = await testGpu();
      const x = randomF32(B * K, 21);
      const w = randomQ4(N, K, 22);
      const bias = withBias ? randomF32(N, 23) : undefined;
      const y = createStorageBuffer(device, B * N * 4);
      const operands = { x: uploadBuffer(device, x), ...uploadQ4(device, w), bias: bias && uploadBuffer(device, bias) };
      submit(device, (e) => q4Gemv(device, e, { ...operands, y, B, N, K }));
      expect(relativeError(await readF32(device, y, B * N), q4MatmulRef(x, w, B, N, K, { bias }))).toBeLessThan(1e-5);
    });
  }

  for (const B of [5, 16])
    it(`agrees with the GEMM on the same rows, including a vocabulary chunk (B=${B})`, async () => {
      const { device } = await testGpu();
      const [V, K, start, rows] = [200, 96, 64, 100];
      const x = uploadBuffer(device, randomF32(B * K, 24));
      const w = uploadQ4(device, randomQ4(V, K, 25));
      const [viaGemv, viaGemm] = [createStorageBuffer(device, B * rows * 4), createStorageBuffer(device, B * rows * 4)];
      submit(device, (e) => {
        q4Gemv(device, e, { x, ...w, y: viaGemv, B, N: rows, K, wRowBase: start });
        q4Matmul(device, e, { x, ...w, y: viaGemm, M: B, N: rows, K, wRowBase: start });
      });
      const [a, b] = [await readF32(device, viaGemv, B * rows), await readF32(device, viaGemm, B * rows)];
      expect(relativeError(a, b)).toBeLessThan(1e-5);
    });

  it('refuses a batch past 32', async () => {
    const { device } = await testGpu();
    const b = createStorageBuffer(device, 4096);
    expect(() =>
      submit(device, (e) => q4Gemv(device, e, { x: b, qweight: b, scales: b, y: b, B: 33, N: 8, K: 32 })),
    ).toThrow(/batch 33/);
  });
});
