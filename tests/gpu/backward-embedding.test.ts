import { describe, expect, it } from 'vitest';
import { readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { embeddingBackward } from '../../src/engine/kernels/embeddingBackward.ts';
import { embeddingBackwardRef } from '../../src/engine/reference/backward/embeddingBackward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

describe('embeddingBackward on WebGPU', () => {
  it('scatter-adds repeated tokens and skips padding ids, on top of an existing gradient', async () => {
    const { device } = await testGpu();
    const [V, D, T] = [50, 70, 100];
    const tokens = Uint32Array.from({ length: T }, (_, t) => (t % 9 === 0 ? 0xffffffff : (t * 7) % 13));
    const dh = randomF32(T * D, 1);
    const de0 = randomF32(V * D, 2);
    const dE = uploadBuffer(device, de0);
    const encoder = device.createCommandEncoder();
    embeddingBackward(device, encoder, {
      dh: uploadBuffer(device, dh),
      tokens: uploadBuffer(device, tokens),
      dE,
      T,
      V,
      D,
    });
    device.queue.submit([encoder.finish()]);
    const want = embeddingBackwardRef(dh, tokens, V, D).map((v, i) => v + de0[i]);
    expect(relativeError(await readF32(device, dE, V * D), want)).toBeLessThan(1e-4);
  });
});
