// attentionBackward of both kernel families (the emulator's one thread per row, the gpu family's flash-attention
// tiles) against the CPU twin: lengths not multiples of the 16-row block or the tile, 1-row sequences, 1,000+
// keys, heads grouped 7:1 as in Qwen2.5-0.5B, separate and fused qkv layouts.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { recordDispatches } from '../../src/engine/dispatchAudit.ts';
import { useKernels, type KernelFamily } from '../../src/engine/kernelFamily.ts';
import { packedKeys } from '../../src/engine/kernels/attention.ts';
import { attentionBackward } from '../../src/engine/kernels/attentionBackward.ts';
import { attentionBackwardRef, type AttentionShape } from '../../src/engine/reference/backward/attentionBackward.ts';
import { attentionForward } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

const shapes: AttentionShape[] = [
  { seqLengths: [3], nHeads: 1, nKvHeads: 1, headDim: 8 },
  { seqLengths: [37], nHeads: 2, nKvHeads: 2, headDim: 64 },
  { seqLengths: [5, 20, 1, 33], nHeads: 4, nKvHeads: 2, headDim: 40 },
  { seqLengths: [17, 30], nHeads: 7, nKvHeads: 1, headDim: 128 },
  { seqLengths: [16, 16, 3], nHeads: 14, nKvHeads: 2, headDim: 64 },
  { seqLengths: [1, 1030], nHeads: 2, nKvHeads: 1, headDim: 8 },
];

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

/** Rows of [q | k | v] heads side by side, as MLC's fused qkv_proj produces them. */
function fuse(parts: Float32Array[], widths: number[], T: number): Float32Array {
  const stride = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(T * stride);
  for (let t = 0; t < T; t++) {
    let col = 0;
    parts.forEach((p, i) => {
      out.set(p.subarray(t * widths[i], (t + 1) * widths[i]), t * stride + col);
      col += widths[i];
    });
  }
  return out;
}

function split(fused: Float32Array, widths: number[], T: number): Float32Array[] {
  const stride = widths.reduce((a, b) => a + b, 0);
  let col = 0;
  return widths.map((w) => {
    const part = new Float32Array(T * w);
    for (let t = 0; t < T; t++) part.set(fused.subarray(t * stride + col, t * stride + col + w), t * w);
    col += w;
    return part;
  });
}

/** Runs the kernel on separate q, k, v buffers or on one fused qkv buffer; returns dq, dk, dv and the twin's. */
async function backwardOnGpu(shape: AttentionShape, layout: 'separate' | 'fused') {
  const { device } = await testGpu();
  const { seqLengths, nHeads, nKvHeads, headDim } = shape;
  const T = seqLengths.reduce((a, b) => a + b, 0);
  const widths = [nHeads * headDim, nKvHeads * headDim, nKvHeads * headDim];
  const q = Float32Array.from(randomF32(T * widths[0], 1), (x) => 3 * x);
  const k = Float32Array.from(randomF32(T * widths[1], 2), (x) => 3 * x);
  const v = randomF32(T * widths[2], 3);
  const dO = randomF32(T * widths[0], 4);
  const forward = attentionForward(q, k, v, shape);
  const o = Float32Array.from(forward.o);
  const lse = Float32Array.from(forward.lse);
  const common = {
    o: uploadBuffer(device, o),
    lse: uploadBuffer(device, lse),
    dO: uploadBuffer(device, dO),
    keys: uploadBuffer(device, packedKeys(seqLengths)),
    delta: createStorageBuffer(device, nHeads * T * 4),
    R: T,
    nHeads,
    nKvHeads,
    headDim,
  };
  const encoder = device.createCommandEncoder();
  let read: () => Promise<Float32Array[]>;
  if (layout === 'fused') {
    const qkv = uploadBuffer(device, fuse([q, k, v], widths, T));
    const dqkv = createStorageBuffer(device, T * (widths[0] + 2 * widths[1]) * 4);
    attentionBackward(device, encoder, {
      ...common,
      q: qkv,
      k: qkv,
      v: qkv,
      dQ: dqkv,
      dK: dqkv,
      qRowStride: widths[0] + 2 * widths[1],
      kvRowStride: widths[0] + 2 * widths[1],
      kColOffset: widths[0],
      vColOffset: widths[0] + widths[1],
    });
    read = async () => split(await readF32(device, dqkv, T * (widths[0] + 2 * widths[1])), widths, T);
  } else {
    const grads = widths.map((w) => createStorageBuffer(device, T * w * 4));
    attentionBackward(device, encoder, {
      ...common,
      q: uploadBuffer(device, q),
      k: uploadBuffer(device, k),
      v: uploadBuffer(device, v),
      dQ: grads[0],
      dK: grads[1],
      dV: grads[2],
    });
    read = () => Promise.all(grads.map((g, i) => readF32(device, g, T * widths[i])));
  }
  device.queue.submit([encoder.finish()]);
  return { got: await read(), want: attentionBackwardRef({ q, k, v, o, lse }, dO, shape) };
}

for (const family of ['emulator', 'gpu'] as const satisfies KernelFamily[])
  describe(`attentionBackward on WebGPU, ${family} kernels`, () => {
    beforeEach(async () => useKernels((await testGpu()).device, family));
    for (const shape of shapes) {
      const { seqLengths, nHeads, nKvHeads, headDim } = shape;
      it(`matches the CPU twin for lengths [${seqLengths}] heads ${nHeads}/${nKvHeads} d=${headDim}`, async () => {
        const {
          got: [dq, dk, dv],
          want,
        } = await backwardOnGpu(shape, 'separate');
        expect(relativeError(dq, want.dq)).toBeLessThan(1e-4);
        expect(relativeError(dk, want.dk)).toBeLessThan(1e-4);
        expect(relativeError(dv, want.dv)).toBeLessThan(1e-4);
      });
    }

    it('reads and writes a fused qkv layout (14/2 heads, d=64, lengths [9, 24])', async () => {
      const {
        got: [dq, dk, dv],
        want,
      } = await backwardOnGpu({ seqLengths: [9, 24], nHeads: 14, nKvHeads: 2, headDim: 64 }, 'fused');
      expect(relativeError(dq, want.dq)).toBeLessThan(1e-4);
      expect(relativeError(dk, want.dk)).toBeLessThan(1e-4);
      expect(relativeError(dv, want.dv)).toBeLessThan(1e-4);
    });

    it('rejects head counts that do not group, heads over 128 and a dV-less unfused layout', async () => {
      const { device } = await testGpu();
      const b = createStorageBuffer(device, 16);
      const args = { q: b, k: b, v: b, o: b, lse: b, keys: b, dO: b, delta: b, dQ: b, dK: b, dV: b, R: 1, headDim: 8 };
      const encoder = device.createCommandEncoder();
      expect(() => attentionBackward(device, encoder, { ...args, nHeads: 6, nKvHeads: 4 })).toThrow(/6 heads/);
      expect(() => attentionBackward(device, encoder, { ...args, nHeads: 1, nKvHeads: 1, headDim: 256 })).toThrow(
        /headDim 256/,
      );
      expect(() => attentionBackward(device, encoder, { ...args, dV: undefined, nHeads: 1, nKvHeads: 1 })).toThrow(
        /without dV/,
      );
    });
  });

describe("gpu family, attention backward at the audit's training shape", () => {
  it('launches at least 16,384 threads per pass for 4 × 512 rows of 14:2 heads (the dK, dV pass the fewest)', async () => {
    const { device } = await testGpu();
    useKernels(device, 'gpu');
    const [R, nHeads, nKvHeads, headDim] = [4 * 512, 14, 2, 8]; // threads do not depend on headDim
    const rows = (heads: number) => createStorageBuffer(device, R * heads * headDim * 4);
    const recorder = recordDispatches(device, { execute: false });
    try {
      const encoder = device.createCommandEncoder();
      attentionBackward(device, encoder, {
        ...{ R, nHeads, nKvHeads, headDim, q: rows(nHeads), k: rows(nKvHeads), v: rows(nKvHeads), o: rows(nHeads) },
        ...{ dO: rows(nHeads), dQ: rows(nHeads), dK: rows(nKvHeads), dV: rows(nKvHeads) },
        ...{ lse: rows(nHeads), delta: rows(nHeads), keys: uploadBuffer(device, packedKeys([512, 512, 512, 512])) },
      });
      encoder.finish();
    } finally {
      recorder.stop();
    }
    const blocks = R / 16;
    expect(recorder.dispatches.map((d) => d.threads)).toEqual([blocks * nHeads * 64, blocks * nKvHeads * 64]);
    expect(Math.min(...recorder.dispatches.map((d) => d.threads))).toBeGreaterThanOrEqual(16384);
  });
});
