// The gpu family's split-K decode attention (flash decoding) against attention's CPU twin: 1 key, 1,000+ keys
// (16 chunks and a partial one), heads grouped 7:1 as in Qwen2.5-0.5B, a head dimension of 128 and one not a
// multiple of the combine's 16-dimension blocks, rows of a KV cache with different lengths, a decode step of 20.
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { recordDispatches } from '../../src/engine/dispatchAudit.ts';
import { useKernels } from '../../src/engine/kernelFamily.ts';
import { attention } from '../../src/engine/kernels/attention.ts';
import { attentionRowsRef } from '../../src/engine/reference/attention.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { relativeError } from '../support/compare.ts';
import { submit } from '../support/kernels.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

/** A decode step of 20 rows, one a slot: past 16 rows only `decodeStep` keeps it on the split kernels. */
const DECODE_20 = Array.from({ length: 20 }, (_, r) => 1 + 7 * r);

describe('gpu family, split-K decode attention', () => {
  for (const [rowsKeys, nHeads, nKvHeads, headDim] of [
    [[1], 2, 1, 8],
    [[1050], 14, 2, 64],
    [[5, 130, 64], 4, 4, 128],
    [[3, 70], 6, 3, 20],
    [DECODE_20, 2, 1, 8],
  ] as const) {
    it(`matches the CPU twin for keys ${rowsKeys.join(', ')}, ${nHeads}:${nKvHeads} heads of ${headDim}`, async () => {
      const { device } = await testGpu();
      const recorder = recordDispatches(device, { execute: true });
      useKernels(device, 'gpu');
      const R = rowsKeys.length;
      const maxPos = Math.max(...rowsKeys);
      const kvWidth = nKvHeads * headDim;
      const q = randomF32(R * nHeads * headDim, 1);
      const k = randomF32(R * maxPos * kvWidth, 2);
      const v = randomF32(R * maxPos * kvWidth, 3);
      const keys = Uint32Array.from(rowsKeys.flatMap((count, r) => [r * maxPos, count]));
      const o = createStorageBuffer(device, q.byteLength);
      const lse = createStorageBuffer(device, R * nHeads * 4);
      const layout = { R, nHeads, nKvHeads, headDim };
      submit(device, (e) =>
        attention(device, e, {
          ...layout,
          q: uploadBuffer(device, q),
          k: uploadBuffer(device, k),
          v: uploadBuffer(device, v),
          keys: uploadBuffer(device, keys),
          maxKeys: maxPos,
          o,
          lse,
          decodeStep: true,
        }),
      );
      recorder.stop();
      expect(recorder.dispatches.map((d) => d.kind)).toEqual(['attention', 'attention']); // chunks, then combine
      const want = attentionRowsRef(q, k, v, keys, layout);
      expect(relativeError(await readF32(device, o, q.length), want.o)).toBeLessThan(1e-5);
      expect(relativeError(await readF32(device, lse, R * nHeads), want.lse)).toBeLessThan(1e-5);
    });
  }
});
