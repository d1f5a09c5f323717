// The gpu family's flash-attention forward (prefill and training: more rows than the split-K decode kernels
// take) against attention's CPU twin, on odd shapes: lengths that are not multiples of the 16-row block or the
// key tile, a 1-key sequence, 1,000+ keys, heads grouped 7:1 as in Qwen2.5-0.5B, head dimensions of 128 and of
// 20 (quads not a multiple of the four lanes), and a block whose rows attend different KV-cache slots (the
// tiles between them skipped). The backward's checks are in backward-attention.test.ts (both families).
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels } from '../../src/engine/kernelFamily.ts';
import { attention, cacheKeys, packedKeys } from '../../src/engine/kernels/attention.ts';
import { flashTile, flashTileBytes } from '../../src/engine/kernels/attentionFlash.ts';
import { attentionRowsRef } from '../../src/engine/reference/attention.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { submit } from '../support/kernels.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

interface Case {
  name: string;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  /** The key spans (packedKeys or cacheKeys) and how many key rows K and V hold. */
  keys: Uint32Array;
  keyRows: number;
}

const packed = (lengths: number[]) => ({
  keys: packedKeys(lengths),
  keyRows: lengths.reduce((a, b) => a + b, 0),
});
const slots = (rows: { slot: number; position: number }[], maxPos: number, count: number) => ({
  keys: cacheKeys(rows, maxPos),
  keyRows: count * maxPos,
});

const cases: Case[] = [
  { name: 'sequences 1 + 20 (1 key), 2:1 heads of 8', nHeads: 2, nKvHeads: 1, headDim: 8, ...packed([1, 20]) },
  { name: 'sequence 37, heads of 128 grouped 7:1', nHeads: 7, nKvHeads: 1, headDim: 128, ...packed([37]) },
  { name: 'sequences 5 + 66 + 1, heads of 20', nHeads: 4, nKvHeads: 2, headDim: 20, ...packed([5, 66, 1]) },
  { name: '1,030 keys, 2:1 heads of 8', nHeads: 2, nKvHeads: 1, headDim: 8, ...packed([1030]) },
  {
    name: 'a block of rows from three KV-cache slots of 200 positions',
    nHeads: 7,
    nKvHeads: 1,
    headDim: 20,
    ...slots(
      [0, 2, 1].flatMap((slot, i) => Array.from({ length: 7 + i }, (_, t) => ({ slot, position: 150 + 3 * i + t }))),
      200,
      3,
    ),
  },
];

describe('gpu family, flash-attention forward', () => {
  for (const c of cases) {
    it(`matches the CPU twin: ${c.name}`, async () => {
      const { device } = await testGpu();
      useKernels(device, 'gpu');
      const R = c.keys.length / 2;
      const layout = { R, nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim };
      const q = randomF32(R * c.nHeads * c.headDim, 61).map((x) => 3 * x); // spread scores test the softmax
      const k = randomF32(c.keyRows * c.nKvHeads * c.headDim, 62);
      const v = randomF32(c.keyRows * c.nKvHeads * c.headDim, 63);
      const o = createStorageBuffer(device, q.byteLength);
      const lse = createStorageBuffer(device, R * c.nHeads * 4);
      submit(device, (e) =>
        attention(device, e, {
          ...layout,
          q: uploadBuffer(device, q),
          k: uploadBuffer(device, k),
          v: uploadBuffer(device, v),
          keys: uploadBuffer(device, c.keys),
          o,
          lse,
        }),
      );
      const want = attentionRowsRef(q, k, v, c.keys, layout);
      expect(relativeError(await readF32(device, o, q.length), want.o)).toBeLessThan(1e-5);
      expect(relativeError(await readF32(device, lse, R * c.nHeads), want.lse)).toBeLessThan(1e-5);
    });
  }

  it('picks the largest key tile whose workgroup memory fits the device', async () => {
    const { device } = await testGpu();
    const limit = device.limits.maxComputeWorkgroupStorageSize;
    for (const kernel of ['forward', 'query', 'keyValue'] as const)
      for (const headDim of [8, 64, 128]) {
        const tile = flashTile(device, kernel, headDim);
        expect(flashTileBytes(kernel, tile, headDim)).toBeLessThanOrEqual(limit);
        if (tile < 32) expect(flashTileBytes(kernel, 2 * tile, headDim)).toBeGreaterThan(limit);
      }
  });
});
