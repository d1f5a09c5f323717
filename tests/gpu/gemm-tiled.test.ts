// The gpu family's tiled GEMM (gemmTiled.wgsl, and gemmSlices.wgsl where K is split) against the same CPU twins
// as the emulator family's matmul, q4 GEMM and weight gradient, over odd shapes: M = 1 and M ≥ 65, sizes that are
// not multiples of the 64 × 64 tile, K not a multiple of the 16-step, thin products split along K and products
// with enough tiles not to be.
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { recordDispatches } from '../../src/engine/dispatchAudit.ts';
import { useKernels } from '../../src/engine/kernelFamily.ts';
import { kSlices, tiledGemm, type TiledWeight } from '../../src/engine/kernels/gemmTiled.ts';
import { linearWeightBackward } from '../../src/engine/kernels/linearBackward.ts';
import { matmul, type DenseFormat, type WeightLayout } from '../../src/engine/kernels/matmul.ts';
import { weightGradRef } from '../../src/engine/reference/backward/linearBackward.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { q4MatmulRef } from '../../src/engine/reference/q4matmul.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { randomQ4, submit, uploadDense, uploadQ4 } from '../support/kernels.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

interface Case {
  M: number;
  N: number;
  K: number;
  layout: WeightLayout;
  bias?: boolean;
  wRowBase?: number;
}

/** Runs Y = scale · X B (+ bias) (+ Y0) on the gpu and returns it with the twin's answer. */
async function product(c: Case, w: TiledWeight, twin: (x: Float32Array) => Float32Array) {
  const { device } = await testGpu();
  const x = randomF32(c.M * c.K, 5);
  const bias = c.bias ? randomF32(c.N, 6) : undefined;
  const y0 = randomF32(c.M * c.N, 7);
  const y = uploadBuffer(device, y0);
  const args = { ...c, x: uploadBuffer(device, x), bias: bias && uploadBuffer(device, bias), y, w };
  submit(device, (e) => tiledGemm(device, e, { ...args, scale: 0.5, accumulate: true }));
  const want = twin(x).map((v, i) => 0.5 * v + (bias ? bias[i % c.N] : 0) + y0[i]);
  return { got: await readF32(device, y, c.M * c.N), want };
}

const name = (c: Case) =>
  `${c.layout} M=${c.M} N=${c.N} K=${c.K}${c.bias ? ' with bias' : ''}${c.wRowBase ? ` from row ${c.wRowBase}` : ''}`;

describe('gpu family, tiled GEMM: dense weights', () => {
  const cases: Case[] = [
    { M: 1, N: 70, K: 37, layout: 'NK', bias: true }, // one row, split along K
    { M: 65, N: 130, K: 50, layout: 'NK', wRowBase: 3 },
    { M: 67, N: 45, K: 33, layout: 'KN', bias: true },
    { M: 257, N: 833, K: 20, layout: 'NK' }, // 70 tiles: not split
    { M: 100, N: 90, K: 9, layout: 'KN' }, // K within one step (LoRA's u Bᵀ)
  ];
  for (const format of ['f32', 'f16', 'bf16'] as DenseFormat[])
    for (const c of cases.filter((c, i) => format === 'f32' || i < 3))
      it(`${format} matches the CPU twin for ${name(c)}`, async () => {
        const { device } = await testGpu();
        const rows = c.layout === 'NK' ? (c.wRowBase ?? 0) + c.N : c.K;
        const { weight, stored } = uploadDense(device, randomF32(rows * (c.layout === 'NK' ? c.K : c.N), 8), format);
        const twin = (x: Float32Array) =>
          matmulRef(x, stored.subarray((c.wRowBase ?? 0) * c.K), c.M, c.N, c.K, undefined, c.layout);
        const { got, want } = await product(c, weight, twin);
        expect(relativeError(got, want)).toBeLessThan(1e-5);
      });
});

describe('gpu family, tiled GEMM: q4 weights', () => {
  for (const c of [
    { M: 1, N: 100, K: 96, layout: 'NK', bias: true },
    { M: 65, N: 70, K: 160, layout: 'NK', wRowBase: 5 },
    { M: 67, N: 96, K: 40, layout: 'KN' }, // K a multiple of 8 only, N past one tile
  ] as Case[])
    it(`matches the CPU twin for ${name(c)}`, async () => {
      const { device } = await testGpu();
      const w = c.layout === 'NK' ? randomQ4((c.wRowBase ?? 0) + c.N, c.K, 9) : randomQ4(c.K, c.N, 9);
      const twin = (x: Float32Array) => q4MatmulRef(x, w, c.M, c.N, c.K, { layout: c.layout, wRowBase: c.wRowBase });
      const { got, want } = await product(c, { format: 'q4', ...uploadQ4(device, w) }, twin);
      expect(relativeError(got, want)).toBeLessThan(1e-5);
    });
});

describe('gpu family, weight gradient dW += scale · dyᵀ x (tiled, reducing over tokens)', () => {
  // The thin ones are LoRA's dB [out, r] and dA [r, in]: few tiles, so the tokens are split into slices.
  for (const [M, N, K, scale] of [
    [1, 1, 1, 1],
    [100, 7, 130, 0.5],
    [50, 136, 16, 0.25],
    [70, 16, 132, 1],
  ] as const)
    it(`matches the CPU twin for M=${M} N=${N} K=${K}`, async () => {
      const { device } = await testGpu();
      useKernels(device, 'gpu');
      const dy = randomF32(M * N, 1);
      const x = randomF32(M * K, 2);
      const dw0 = randomF32(N * K, 3).map((v) => v / 2);
      const dw = uploadBuffer(device, dw0);
      const recorder = recordDispatches(device, { execute: true });
      submit(device, (e) =>
        linearWeightBackward(device, e, {
          dy: uploadBuffer(device, dy),
          x: uploadBuffer(device, x),
          dw,
          M,
          N,
          K,
          scale,
        }),
      );
      recorder.stop();
      const want = weightGradRef(dy, x, M, N, K, scale).map((v, i) => v + dw0[i]);
      expect(relativeError(await readF32(device, dw, N * K), want)).toBeLessThan(1e-5);
      // Split along tokens when there are several 16-steps: the product, then the pass summing the slices.
      expect(recorder.dispatches.map((d) => d.kind)).toEqual(M > 16 ? ['product', 'other'] : ['product']);
    });
});

describe('gpu family, tiled GEMM: spread', () => {
  it("launches at least 16,384 threads for a LoRA rank-16 product over 2,048 tokens of Qwen2.5-0.5B's width", () => {
    const tiles = Math.ceil(2048 / 64) * Math.ceil(16 / 64);
    const { slices, kSlice } = kSlices(tiles, 896);
    expect(tiles * slices * 256).toBeGreaterThanOrEqual(16384);
    expect(kSlice % 16).toBe(0);
    expect(slices * kSlice).toBeGreaterThanOrEqual(896);
  });

  it('leaves a product of 64 tiles or more unsplit', () => {
    expect(kSlices(64, 4096).slices).toBe(1);
  });

  it('reaches the tiled kernel through matmul on a gpu-family device for more than 16 rows', async () => {
    const { device } = await testGpu();
    const b = createStorageBuffer(device, 64 * 64 * 4);
    const threads = (M: number) => {
      useKernels(device, 'gpu');
      const recorder = recordDispatches(device, { execute: false });
      submit(device, (e) => matmul(device, e, { x: b, w: b, y: b, M, N: 64, K: 64 }));
      recorder.stop();
      return recorder.dispatches[0].threads;
    };
    expect(threads(17)).toBe(256 * kSlices(1, 64).slices);
    expect(threads(16)).toBe(8 * 2); // the emulator's register-blocked tile: 8 × 2 threads for 16 rows
  });
});
