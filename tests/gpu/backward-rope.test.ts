// RoPE's backward is the forward kernel run with `inverse` (rotation by the negative angle); this checks that
// kernel against the finite-difference-tested twin ropeBackwardRef, in place inside a fused qkv row.
import { describe, expect, it } from 'vitest';
import { readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { rope } from '../../src/engine/kernels/rope.ts';
import { ropeBackwardRef } from '../../src/engine/reference/backward/ropeBackward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

describe('RoPE backward (rope with inverse) on WebGPU', () => {
  // q (14 heads) then k (2 heads) inside [q | k | v] rows of packed sequences whose positions restart at 0; a
  // large position step reaches angles of tens of thousands of radians.
  for (const [headDim, seqLengths, step] of [
    [64, [5, 4], 3],
    [6, [1, 12], 4001],
  ] as const) {
    it(`matches the CPU twin for d=${headDim} lengths [${seqLengths}] position step ${step}`, async () => {
      const { device } = await testGpu();
      const [nHeads, nKvHeads] = [14, 2];
      const positions = Uint32Array.from(seqLengths.flatMap((len) => Array.from({ length: len }, (_, i) => i * step)));
      const T = positions.length;
      const invFreq = Float32Array.from({ length: headDim / 2 }, (_, i) => 1e6 ** (-(2 * i) / headDim));
      const stride = (nHeads + 2 * nKvHeads) * headDim;
      const dqkv = randomF32(T * stride, 7);
      const grad = uploadBuffer(device, dqkv);
      const [pos, freq] = [uploadBuffer(device, positions), uploadBuffer(device, invFreq)];
      const encoder = device.createCommandEncoder();
      rope(device, encoder, {
        x: grad,
        positions: pos,
        invFreq: freq,
        T,
        nHeads,
        headDim,
        rowStride: stride,
        inverse: true,
      });
      rope(device, encoder, {
        x: grad,
        positions: pos,
        invFreq: freq,
        T,
        nHeads: nKvHeads,
        headDim,
        rowStride: stride,
        colOffset: nHeads * headDim,
        inverse: true,
      });
      device.queue.submit([encoder.finish()]);
      const got = await readF32(device, grad, dqkv.length);
      const want = Float64Array.from(dqkv);
      for (const [heads, offset] of [
        [nHeads, 0],
        [nKvHeads, nHeads * headDim],
      ]) {
        const width = heads * headDim;
        const part = new Float64Array(T * width);
        for (let t = 0; t < T; t++)
          part.set(dqkv.subarray(t * stride + offset, t * stride + offset + width), t * width);
        const rotated = ropeBackwardRef(part, positions, invFreq, T, heads, headDim);
        for (let t = 0; t < T; t++) want.set(rotated.subarray(t * width, (t + 1) * width), t * stride + offset);
      }
      // WGSL promises sin and cos only to 2⁻¹¹ absolute; SwiftShader's are off by 1.9e-4.
      expect(relativeError(got, want)).toBeLessThan(5e-4);
    });
  }
});
