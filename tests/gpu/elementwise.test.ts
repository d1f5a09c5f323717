import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { addInPlace } from '../../src/engine/kernels/add.ts';
import { embedding } from '../../src/engine/kernels/embedding.ts';
import { siluGate } from '../../src/engine/kernels/siluGate.ts';
import { addRef } from '../../src/engine/reference/add.ts';
import { embeddingRef } from '../../src/engine/reference/embedding.ts';
import { siluGateRef } from '../../src/engine/reference/ops.ts';
import { siluGateFusedRef } from '../../src/engine/reference/siluGate.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { randomQ4, submit, uploadDense, uploadQ4 } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

describe('siluGate on WebGPU', () => {
  const [T, I] = [5, 77];

  it('gates separate g and u like the CPU twin', async () => {
    const { device } = await testGpu();
    const g = randomF32(T * I, 61).map((x) => 8 * x);
    const u = randomF32(T * I, 62);
    const m = createStorageBuffer(device, T * I * 4);
    submit(device, (e) =>
      siluGate(device, e, { inputs: { g: uploadBuffer(device, g), u: uploadBuffer(device, u) }, m, T, I }),
    );
    expect(relativeError(await readF32(device, m, T * I), siluGateRef(g, u))).toBeLessThan(1e-5);
  });

  it("gates MLC's fused gate_up rows (gate first, then up)", async () => {
    const { device } = await testGpu();
    const gateUp = randomF32(T * 2 * I, 63).map((x) => 8 * x);
    const m = createStorageBuffer(device, T * I * 4);
    submit(device, (e) => siluGate(device, e, { inputs: { gateUp: uploadBuffer(device, gateUp) }, m, T, I }));
    expect(relativeError(await readF32(device, m, T * I), siluGateFusedRef(gateUp, T, I))).toBeLessThan(1e-5);
  });
});

describe('embedding gather on WebGPU', () => {
  const [V, D] = [50, 64];
  const ids = Uint32Array.from([3, 0, 49, 3, 17]);

  // D = 63 puts rows of a 16-bit table across word boundaries.
  for (const [format, width] of [
    ['f32', D],
    ['f16', D],
    ['bf16', D],
    ['f16', 63],
    ['bf16', 63],
  ] as const) {
    it(`gathers rows of an ${format} table (D=${width})`, async () => {
      const { device } = await testGpu();
      const { weight, stored } = uploadDense(device, randomF32(V * width, 64), format);
      const out = createStorageBuffer(device, ids.length * width * 4);
      submit(device, (e) =>
        embedding(device, e, { ids: uploadBuffer(device, ids), table: weight, out, T: ids.length, D: width, V }),
      );
      expect(Array.from(await readF32(device, out, ids.length * width))).toEqual(
        Array.from(embeddingRef(stored, ids, width)),
      );
    });
  }

  it('gathers and dequantizes rows of a q4 table', async () => {
    const { device } = await testGpu();
    const table = randomQ4(V, D, 65);
    const out = createStorageBuffer(device, ids.length * D * 4);
    submit(device, (e) =>
      embedding(device, e, {
        ids: uploadBuffer(device, ids),
        table: uploadQ4(device, table),
        out,
        T: ids.length,
        D,
        V,
      }),
    );
    expect(Array.from(await readF32(device, out, ids.length * D))).toEqual(Array.from(embeddingRef(table, ids, D)));
  });
});

describe('residual add on WebGPU', () => {
  it('adds x into y in place', async () => {
    const { device } = await testGpu();
    const count = 1000;
    const [x, y] = [randomF32(count, 66), randomF32(count, 67)];
    const yBuffer = uploadBuffer(device, y);
    submit(device, (e) => addInPlace(device, e, { x: uploadBuffer(device, x), y: yBuffer, count }));
    expect(Array.from(await readF32(device, yBuffer, count))).toEqual(Array.from(addRef(y, x)));
  });
});
