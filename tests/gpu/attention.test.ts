import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { attention, cacheKeys, packedKeys } from '../../src/engine/kernels/attention.ts';
import { copyKvSlot, createKvCache, writeKv, type KvCache } from '../../src/engine/kernels/kvcache.ts';
import { attentionRowsRef } from '../../src/engine/reference/attention.ts';
import { writeKvRef } from '../../src/engine/reference/kvcache.ts';
import { attentionRef } from '../../src/engine/reference/ops.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { submit } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

async function runAttention(
  device: GPUDevice,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  keys: Uint32Array,
  shape: { R: number; nHeads: number; nKvHeads: number; headDim: number },
): Promise<{ o: Float32Array; lse: Float32Array }> {
  const o = createStorageBuffer(device, shape.R * shape.nHeads * shape.headDim * 4);
  const lse = createStorageBuffer(device, shape.nHeads * shape.R * 4);
  const [qb, kb, vb] = [uploadBuffer(device, q), uploadBuffer(device, k), uploadBuffer(device, v)];
  submit(device, (e) =>
    attention(device, e, { q: qb, k: kb, v: vb, keys: uploadBuffer(device, keys), o, lse, ...shape }),
  );
  return {
    o: await readF32(device, o, shape.R * shape.nHeads * shape.headDim),
    lse: await readF32(device, lse, shape.nHeads * shape.R),
  };
}

describe('attention on WebGPU (prefill and training, packed sequences)', () => {
  for (const [nHeads, nKvHeads, headDim, lengths] of [
    [2, 2, 32, [70]],
    [4, 2, 64, [5, 66, 1]],
    [14, 2, 64, [40, 30]],
    [7, 1, 128, [20]],
  ] as const) {
    it(`matches the CPU twin for ${nHeads}/${nKvHeads} heads, d=${headDim}, sequences ${lengths.join('+')}`, async () => {
      const { device } = await testGpu();
      const R = lengths.reduce((a, b) => a + b, 0);
      const shape = { R, nHeads, nKvHeads, headDim };
      const q = randomF32(R * nHeads * headDim, 51).map((x) => 3 * x); // scores spread enough to test the softmax
      const k = randomF32(R * nKvHeads * headDim, 52);
      const v = randomF32(R * nKvHeads * headDim, 53);
      const keys = packedKeys([...lengths]);
      const got = await runAttention(device, q, k, v, keys, shape);
      const want = attentionRowsRef(q, k, v, keys, shape);
      expect(relativeError(got.o, want.o)).toBeLessThan(1e-4);
      expect(relativeError(got.lse, want.lse)).toBeLessThan(1e-4);
      if (lengths.length === 1)
        expect(relativeError(want.o, attentionRef(q, k, v, R, nHeads, nKvHeads, headDim))).toBeLessThan(1e-6);
    });
  }

  it('reads q, k and v straight out of a fused qkv buffer', async () => {
    const { device } = await testGpu();
    const [R, nHeads, nKvHeads, headDim] = [9, 4, 2, 16];
    const stride = (nHeads + 2 * nKvHeads) * headDim;
    const qkv = randomF32(R * stride, 54);
    const layout = {
      qRowStride: stride,
      kvRowStride: stride,
      kColOffset: nHeads * headDim,
      vColOffset: (nHeads + nKvHeads) * headDim,
    };
    const shape = { R, nHeads, nKvHeads, headDim, ...layout };
    const keys = packedKeys([R]);
    const [o, lse] = [
      createStorageBuffer(device, R * nHeads * headDim * 4),
      createStorageBuffer(device, nHeads * R * 4),
    ];
    const buffer = uploadBuffer(device, qkv);
    submit(device, (e) =>
      attention(device, e, { q: buffer, k: buffer, v: buffer, keys: uploadBuffer(device, keys), o, lse, ...shape }),
    );
    const want = attentionRowsRef(qkv, qkv, qkv, keys, shape);
    expect(relativeError(await readF32(device, o, R * nHeads * headDim), want.o)).toBeLessThan(1e-4);
  });
});

describe('attention against a KV cache on WebGPU', () => {
  const [nHeads, nKvHeads, headDim, maxPos, slots] = [14, 2, 64, 64, 3];
  const kvDim = nKvHeads * headDim;
  type Rows = { slot: number; position: number }[];

  /** Writes the rows' k, v into `layer` of the cache, then attends from it: one prefill chunk or decode step. */
  async function cacheStep(
    device: GPUDevice,
    cache: KvCache,
    layer: number,
    rows: Rows,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
  ): Promise<{ o: Float32Array; lse: Float32Array }> {
    const R = rows.length;
    const keys = uploadBuffer(device, cacheKeys(rows, maxPos));
    const o = createStorageBuffer(device, R * nHeads * headDim * 4);
    const lse = createStorageBuffer(device, nHeads * R * 4);
    submit(device, (e) => {
      writeKv(device, e, cache, layer, { src: uploadBuffer(device, k), vSrc: uploadBuffer(device, v), keys, R });
      const shape = { R, nHeads, nKvHeads, headDim };
      attention(device, e, {
        q: uploadBuffer(device, q),
        k: cache.k[layer],
        v: cache.v[layer],
        keys,
        o,
        lse,
        ...shape,
      });
    });
    return { o: await readF32(device, o, R * nHeads * headDim), lse: await readF32(device, lse, nHeads * R) };
  }

  /** The CPU twin over the cache's current contents. */
  async function twin(device: GPUDevice, cache: KvCache, layer: number, rows: Rows, q: Float32Array) {
    const floats = slots * maxPos * kvDim;
    const [k, v] = [await readF32(device, cache.k[layer], floats), await readF32(device, cache.v[layer], floats)];
    return {
      k,
      want: attentionRowsRef(q, k, v, cacheKeys(rows, maxPos), { R: rows.length, nHeads, nKvHeads, headDim }),
    };
  }

  const fresh = (R: number, seed: number) =>
    [randomF32(R * nHeads * headDim, seed), randomF32(R * kvDim, seed + 1), randomF32(R * kvDim, seed + 2)] as const;

  it('chunked prefill, then decode of three sequences of different lengths, match the CPU twin', async () => {
    const { device } = await testGpu();
    const cache = createKvCache(device, 2, slots, maxPos, kvDim);
    const cpuK = new Float32Array(slots * maxPos * kvDim); // the writeKv twin's copy of layer 1's K
    const lengths = [23, 5, 40];
    // Each slot's prompt in two chunks, then one decode step for the batch, each row at its own next position.
    const steps: Rows[] = [];
    for (const [slot, length] of lengths.entries()) {
      const cut = Math.ceil(length / 2);
      for (const [from, to] of [
        [0, cut],
        [cut, length],
      ])
        steps.push(Array.from({ length: to - from }, (_, i) => ({ slot, position: from + i })));
    }
    steps.push(lengths.map((length, slot) => ({ slot, position: length })));
    for (const [i, rows] of steps.entries()) {
      const [q, k, v] = fresh(rows.length, 100 + 10 * i);
      const got = await cacheStep(device, cache, 1, rows, q, k, v);
      writeKvRef(cpuK, k, cacheKeys(rows, maxPos), kvDim);
      const { k: gpuK, want } = await twin(device, cache, 1, rows, q);
      expect(Array.from(gpuK)).toEqual(Array.from(cpuK));
      expect(relativeError(got.o, want.o)).toBeLessThan(1e-4);
      expect(relativeError(got.lse, want.lse)).toBeLessThan(1e-4);
    }
  });

  it('a chunked prefill gives the same outputs as a one-shot prefill', async () => {
    const { device } = await testGpu();
    const [T, cut] = [30, 11];
    const [q, k, v] = fresh(T, 300);
    const cache = createKvCache(device, 1, 1, maxPos, kvDim);
    const chunks = [];
    for (const [from, to] of [
      [0, cut],
      [cut, T],
    ]) {
      const rows = Array.from({ length: to - from }, (_, i) => ({ slot: 0, position: from + i }));
      const qs = q.subarray(from * nHeads * headDim, to * nHeads * headDim);
      const [ks, vs] = [k.subarray(from * kvDim, to * kvDim), v.subarray(from * kvDim, to * kvDim)];
      chunks.push((await cacheStep(device, cache, 0, rows, qs, ks, vs)).o);
    }
    const oneShot = await runAttention(device, q, k, v, packedKeys([T]), { R: T, nHeads, nKvHeads, headDim });
    expect(relativeError(Float32Array.from([...chunks[0], ...chunks[1]]), oneShot.o)).toBeLessThan(1e-5);
  });

  it('copies a prompt slot to another slot in every layer', async () => {
    const { device } = await testGpu();
    const cache = createKvCache(device, 2, 2, maxPos, kvDim);
    const k = randomF32(7 * kvDim, 400);
    const keys = uploadBuffer(
      device,
      cacheKeys(
        Array.from({ length: 7 }, (_, position) => ({ slot: 0, position })),
        maxPos,
      ),
    );
    submit(device, (e) => {
      for (const layer of [0, 1]) writeKv(device, e, cache, layer, { src: uploadBuffer(device, k), keys, R: 7 });
      copyKvSlot(e, cache, 0, 1, 7);
    });
    for (const buffer of [...cache.k, ...cache.v]) {
      expect(Array.from(await readF32(device, buffer, 7 * kvDim, maxPos * kvDim * 4))).toEqual(Array.from(k));
    }
    expect(() => submit(device, (e) => copyKvSlot(e, cache, 0, 2, 7))).toThrow(/to slot 2/);
  });
});
