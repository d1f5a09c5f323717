import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readU32, createStorageBuffer, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels, type KernelFamily } from '../../src/engine/kernelFamily.ts';
import { packSampleRows, sampleTokens, type SampleRow } from '../../src/engine/kernels/sample.ts';
import { sampleRowRef, uniformDraw } from '../../src/engine/reference/sample.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { submit } from '../support/kernels.ts';

/** Samples one token per row; every row reads the same logits row when `logits` has only V entries. */
async function sample(device: GPUDevice, logits: Float32Array, V: number, rows: SampleRow[]): Promise<number[]> {
  const B = rows.length;
  const all = logits.length === V ? Float32Array.from({ length: B * V }, (_, i) => logits[i % V]) : logits;
  const ids = createStorageBuffer(device, B * 4);
  const inputs = { logits: uploadBuffer(device, all), rows: uploadBuffer(device, packSampleRows(rows)) };
  submit(device, (e) => sampleTokens(device, e, { ...inputs, ids, B, V }));
  return Array.from(await readU32(device, ids, B));
}

const rowsOf = (count: number, settings: Omit<SampleRow, 'step'>) =>
  Array.from({ length: count }, (_, step) => ({ ...settings, step }));

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

// Both families: the gpu family's 64 threads to a row (sample.wgsl), the emulator's one (sampleThread.wgsl).
for (const family of ['emulator', 'gpu'] as const satisfies KernelFamily[])
  describe(`sampleTokens on WebGPU, ${family} kernels`, () => {
    beforeEach(async () => useKernels((await testGpu()).device, family));
    it('is greedy at temperature 0 and with top-k 1: the argmax, ties to the lowest id', async () => {
      const { device } = await testGpu();
      const V = 700;
      const logits = randomF32(3 * V, 81);
      logits[V + 650] = 5; // row 1: one clear maximum
      logits[2 * V + 10] = logits[2 * V + 400] = 5; // row 2: a tie
      const argmax = [0, 1, 2].map((b) =>
        logits.subarray(b * V, (b + 1) * V).indexOf(Math.max(...logits.subarray(b * V, (b + 1) * V))),
      );
      expect(argmax.slice(1)).toEqual([650, 10]);
      expect(await sample(device, logits, V, rowsOf(3, { temperature: 0, seed: 1 }))).toEqual(argmax);
      expect(await sample(device, logits, V, rowsOf(3, { temperature: 1.5, topK: 1, seed: 2 }))).toEqual(argmax);
    });

    it('replays exactly from (seed, row, step) and varies with the step', async () => {
      const { device } = await testGpu();
      const V = 50;
      const logits = randomF32(V, 82);
      const rows = rowsOf(16, { temperature: 1, seed: 1234 });
      const first = await sample(device, logits, V, rows);
      expect(await sample(device, logits, V, rows)).toEqual(first);
      expect(new Set(first).size).toBeGreaterThan(3);
      const reseeded = await sample(device, logits, V, rowsOf(16, { temperature: 1, seed: 99 }));
      expect(reseeded).not.toEqual(first);
    });

    it('picks what the CPU twin picks from the same draws, with temperature, top-k and top-p', async () => {
      const { device } = await testGpu();
      const V = 300;
      const B = 24;
      const logits = randomF32(B * V, 83).map((x) => 4 * x);
      const rows = Array.from({ length: B }, (_, b): SampleRow => ({
        temperature: [0.6, 1, 1.3][b % 3],
        topK: [0, 5, 40, 0][b % 4],
        topP: [1, 0.9, 0.5][b % 3],
        seed: 7 + b,
        step: 3 * b,
      }));
      const got = await sample(device, logits, V, rows);
      const want = rows.map((row, b) =>
        sampleRowRef(logits.subarray(b * V, (b + 1) * V), row, uniformDraw(row.seed, b, row.step)),
      );
      expect(got).toEqual(want);
    });

    it('draws a small vocabulary in proportion to its softmax (chi-square)', async () => {
      const { device } = await testGpu();
      const logits = Float32Array.from([1.5, 0.5, 0, -0.5, 1, -2]);
      const temperature = 0.8;
      const draws = 3000;
      const ids = await sample(device, logits, logits.length, rowsOf(draws, { temperature, seed: 5 }));
      const weights = Array.from(logits, (z) => Math.exp(z / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      let chiSquare = 0;
      weights.forEach((w, v) => {
        const expected = (draws * w) / total;
        const observed = ids.filter((id) => id === v).length;
        chiSquare += (observed - expected) ** 2 / expected;
      });
      expect(chiSquare).toBeLessThan(20.5); // 5 degrees of freedom: the 99.9% quantile
    });

    it('top-p keeps the smallest head reaching p and never draws the tail; top-k keeps k', async () => {
      const { device } = await testGpu();
      // Softmax ≈ [0.47, 0.26, 0.17, 0.06, 0.02, ...]: top-p 0.8 keeps ids 0..2 (0.90), top-k 2 keeps ids 0..1.
      const logits = Float32Array.from([3, 2.4, 2, 1, 0, -0.5, -1, -1.5]);
      const byP = await sample(device, logits, logits.length, rowsOf(400, { temperature: 1, topP: 0.8, seed: 11 }));
      expect(new Set(byP)).toEqual(new Set([0, 1, 2]));
      const byK = await sample(device, logits, logits.length, rowsOf(400, { temperature: 1, topK: 2, seed: 12 }));
      expect(new Set(byK)).toEqual(new Set([0, 1]));
    });

    it('rejects settings outside their range', () => {
      expect(() => packSampleRows([{ temperature: 1, topP: 0, seed: 1, step: 0 }])).toThrow(/topP 0/);
      expect(() => packSampleRows([{ temperature: -1, seed: 1, step: 0 }])).toThrow(/temperature -1/);
    });
  });
