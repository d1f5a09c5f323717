import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { GpuLoraAdapter } from '../../src/engine/lora/gpuAdapter.ts';
import { loraBackward, loraForward } from '../../src/engine/lora/kernels.ts';
import type { LoraShape } from '../../src/engine/lora/kernels.ts';
import { loraBackwardRef, loraForwardRef } from '../../src/engine/reference/lora.ts';
import { maxAbsDiff, randomF32, testGpu } from '../support/gpu.ts';

const add = (x: Float32Array, y: Float32Array) => x.map((v, i) => v + y[i]);

describe('LoRA kernels on WebGPU', () => {
  for (const d of [
    { T: 1, inFeatures: 1, outFeatures: 1, rank: 1, scale: 2 },
    { T: 5, inFeatures: 37, outFeatures: 19, rank: 3, scale: 0.5 },
    { T: 9, inFeatures: 130, outFeatures: 70, rank: 8, scale: 4 },
  ] satisfies LoraShape[]) {
    const name = `T=${d.T} in=${d.inFeatures} out=${d.outFeatures} r=${d.rank}`;
    const { T, inFeatures: K, outFeatures: N, rank: R } = d;
    const x = randomF32(T * K, 1);
    const a = randomF32(R * K, 2);
    const b = randomF32(N * R, 3);

    it(`forward matches the CPU twin (${name})`, async () => {
      const { device } = await testGpu();
      const y0 = randomF32(T * N, 4);
      const u = createStorageBuffer(device, T * R * 4);
      const y = uploadBuffer(device, y0);
      const encoder = device.createCommandEncoder();
      loraForward(device, encoder, {
        ...d,
        x: uploadBuffer(device, x),
        a: uploadBuffer(device, a),
        b: uploadBuffer(device, b),
        u,
        y,
      });
      device.queue.submit([encoder.finish()]);
      const want = loraForwardRef(x, a, b, y0, d);
      expect(maxAbsDiff(await readF32(device, u, T * R), want.u)).toBeLessThan(1e-4);
      expect(maxAbsDiff(await readF32(device, y, T * N), want.y)).toBeLessThan(1e-4);
    });

    it(`backward accumulates the CPU twin's gradients (${name})`, async () => {
      const { device } = await testGpu();
      const dy = randomF32(T * N, 5);
      const u = loraForwardRef(x, a, b, new Float32Array(T * N), d).u;
      const [da0, db0, dx0] = [randomF32(R * K, 6), randomF32(N * R, 7), randomF32(T * K, 8)];
      const [da, db, dx, du] = [
        uploadBuffer(device, da0),
        uploadBuffer(device, db0),
        uploadBuffer(device, dx0),
        createStorageBuffer(device, T * R * 4),
      ];
      const encoder = device.createCommandEncoder();
      loraBackward(device, encoder, {
        ...d,
        x: uploadBuffer(device, x),
        dy: uploadBuffer(device, dy),
        u: uploadBuffer(device, u),
        a: uploadBuffer(device, a),
        b: uploadBuffer(device, b),
        du,
        da,
        db,
        dx,
      });
      device.queue.submit([encoder.finish()]);
      const want = loraBackwardRef(x, dy, u, a, b, d);
      expect(maxAbsDiff(await readF32(device, du, T * R), want.du)).toBeLessThan(1e-4);
      expect(maxAbsDiff(await readF32(device, da, R * K), add(da0, want.da))).toBeLessThan(1e-4);
      expect(maxAbsDiff(await readF32(device, db, N * R), add(db0, want.db))).toBeLessThan(1e-4);
      expect(maxAbsDiff(await readF32(device, dx, T * K), add(dx0, want.dx))).toBeLessThan(1e-4);
    });
  }
});

describe('GpuLoraAdapter', () => {
  const model = { hiddenSize: 16, intermediateSize: 24, numHeads: 4, numKvHeads: 2, headDim: 4, numLayers: 2 };
  const config = loraConfig({ rank: 3, alpha: 6, targets: ['v', 'down'] });

  it('uploads and downloads the adapter unchanged, gradients zero', async () => {
    const { device } = await testGpu();
    const adapter = initLoraAdapter(model, config, 7);
    adapter.modules.forEach((m, i) => m.b.set(randomF32(m.b.length, 10 + i)));
    const gpu = GpuLoraAdapter.upload(device, adapter);
    const back = await gpu.download();
    expect(back.modules.map((m) => [m.layer, m.target])).toEqual(adapter.modules.map((m) => [m.layer, m.target]));
    back.modules.forEach((m, i) => {
      expect(m.a).toEqual(adapter.modules[i].a);
      expect(m.b).toEqual(adapter.modules[i].b);
    });
    const grads = await gpu.download('grads');
    expect(grads.modules.every((m) => m.a.every((v) => v === 0) && m.b.every((v) => v === 0))).toBe(true);
  });

  it('adds the adapter only when enabled and only on adapted projections', async () => {
    const { device } = await testGpu();
    const adapter = initLoraAdapter(model, config, 7);
    const down = adapter.modules.find((m) => m.layer === 1 && m.target === 'down')!;
    down.b.set(randomF32(down.b.length, 3));
    const gpu = GpuLoraAdapter.upload(device, adapter);
    const T = 4;
    const x = randomF32(T * 24, 1);
    const y0 = randomF32(T * 16, 2);
    const run = async (layer: number, target: 'down' | 'q') => {
      const y = uploadBuffer(device, y0);
      const encoder = device.createCommandEncoder();
      gpu.forward(encoder, layer, target, {
        T,
        x: uploadBuffer(device, x),
        u: createStorageBuffer(device, T * 3 * 4),
        y,
      });
      device.queue.submit([encoder.finish()]);
      return readF32(device, y, T * 16);
    };
    const want = loraForwardRef(x, down.a, down.b, y0, { T, inFeatures: 24, outFeatures: 16, rank: 3, scale: 2 }).y;
    expect(maxAbsDiff(await run(1, 'down'), want)).toBeLessThan(1e-4);
    expect(maxAbsDiff(want, y0)).toBeGreaterThan(1e-2);
    expect(await run(0, 'q')).toEqual(y0);
    gpu.enabled = false;
    expect(await run(1, 'down')).toEqual(y0);
  });

  it("accumulates a module's gradients into its slot of the flat gradient buffer", async () => {
    const { device } = await testGpu();
    const adapter = initLoraAdapter(model, config, 7);
    const v = adapter.modules.find((m) => m.layer === 0 && m.target === 'v')!;
    v.b.set(randomF32(v.b.length, 4));
    const gpu = GpuLoraAdapter.upload(device, adapter);
    const T = 3;
    const d = { T, inFeatures: 16, outFeatures: 8, rank: 3, scale: 2 };
    const x = randomF32(T * 16, 5);
    const dy = randomF32(T * 8, 6);
    const { u } = loraForwardRef(x, v.a, v.b, new Float32Array(T * 8), d);
    const encoder = device.createCommandEncoder();
    const call = {
      T,
      x: uploadBuffer(device, x),
      u: uploadBuffer(device, u),
      dy: uploadBuffer(device, dy),
      du: createStorageBuffer(device, T * 3 * 4),
      dx: createStorageBuffer(device, T * 16 * 4),
    };
    gpu.backward(encoder, 0, 'v', call);
    gpu.backward(encoder, 0, 'v', call);
    device.queue.submit([encoder.finish()]);
    const want = loraBackwardRef(x, dy, u, v.a, v.b, d);
    const grads = await gpu.download('grads');
    const g = grads.modules.find((m) => m.layer === 0 && m.target === 'v')!;
    expect(maxAbsDiff(g.a, add(want.da, want.da))).toBeLessThan(1e-4);
    expect(maxAbsDiff(g.b, add(want.db, want.db))).toBeLessThan(1e-4);
    const others = grads.modules.filter((m) => m !== g);
    expect(others.every((m) => m.a.every((x) => x === 0) && m.b.every((x) => x === 0))).toBe(true);
  });
});
