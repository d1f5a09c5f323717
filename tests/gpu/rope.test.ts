import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { rope } from '../../src/engine/kernels/rope.ts';
import { ropeStridedRef } from '../../src/engine/reference/rope.ts';
import { ropeInvFreq } from '../../src/engine/model/config.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { submit } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

const invFreq = (headDim: number) => ropeInvFreq({ headDim, ropeTheta: 1_000_000, ropeScaling: undefined });

describe('rope on WebGPU', () => {
  it('turns dense q heads like the CPU twin at positions up to 30,000', async () => {
    const { device } = await testGpu();
    const [T, nHeads, headDim] = [6, 3, 64];
    const x = randomF32(T * nHeads * headDim, 41);
    const positions = Uint32Array.from([0, 1, 7, 511, 4095, 30_000]);
    const buffer = uploadBuffer(device, x);
    const tables = { positions: uploadBuffer(device, positions), invFreq: uploadBuffer(device, invFreq(headDim)) };
    submit(device, (e) => rope(device, e, { x: buffer, ...tables, T, nHeads, headDim }));
    const want = ropeStridedRef(x, positions, invFreq(headDim), { T, nHeads, headDim });
    expect(relativeError(await readF32(device, buffer, x.length), want)).toBeLessThan(1e-4);
  });

  it('turns only k inside a fused qkv row, and the inverse turns it back', async () => {
    const { device } = await testGpu();
    const [T, nHeads, nKv, headDim] = [5, 4, 2, 32];
    const stride = (nHeads + 2 * nKv) * headDim;
    const layout = { T, nHeads: nKv, headDim, rowStride: stride, colOffset: nHeads * headDim };
    const x = randomF32(T * stride, 42);
    const positions = uploadBuffer(device, Uint32Array.from([3, 4, 5, 6, 700]));
    const frequencies = uploadBuffer(device, invFreq(headDim));
    const buffer = uploadBuffer(device, x);
    submit(device, (e) => rope(device, e, { x: buffer, positions, invFreq: frequencies, ...layout }));
    const turned = await readF32(device, buffer, x.length);
    expect(relativeError(turned, ropeStridedRef(x, [3, 4, 5, 6, 700], invFreq(headDim), layout))).toBeLessThan(1e-4);
    submit(device, (e) => rope(device, e, { x: buffer, positions, invFreq: frequencies, ...layout, inverse: true }));
    expect(relativeError(await readF32(device, buffer, x.length), x)).toBeLessThan(1e-5);
  });

  it('refuses heads that overrun the row', async () => {
    const { device } = await testGpu();
    const b = createStorageBuffer(device, 64);
    const record = () =>
      submit(device, (e) =>
        rope(device, e, { x: b, positions: b, invFreq: b, T: 1, nHeads: 2, headDim: 8, rowStride: 12 }),
      );
    expect(record).toThrow(/past the row stride 12/);
  });
});
