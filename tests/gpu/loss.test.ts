// The fused loss with both kernel families: pass 1's log-sum-exp walks a row with one thread (emulator) or with
// a segment of threads sized to the chunk, several rows to a workgroup (gpu).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels, type KernelFamily } from '../../src/engine/kernelFamily.ts';
import { fusedLossRef } from '../../src/engine/reference/fusedLoss.ts';
import { FusedLoss } from '../../src/engine/train/fusedLoss.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { relativeError } from '../support/compare.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

for (const family of ['emulator', 'gpu'] as const satisfies KernelFamily[])
  describe(`fused chunked loss on WebGPU, ${family} kernels`, () => {
    beforeEach(async () => useKernels((await testGpu()).device, family));
    for (const { T, V, D, chunk, eScale, temperature } of [
      { T: 5, V: 300, D: 24, chunk: 64, eScale: 1, temperature: 1 }, // 4 full chunks and one of 44
      { T: 3, V: 50, D: 8, chunk: 4096, eScale: 1, temperature: 1 }, // one chunk narrower than asked
      { T: 4, V: 200, D: 16, chunk: 128, eScale: 30, temperature: 1 }, // logits in the hundreds: the online max must hold
      { T: 5, V: 130, D: 8, chunk: 64, eScale: 1, temperature: 0.7 }, // logits divided by the sampling temperature
      { T: 70, V: 300, D: 8, chunk: 128, eScale: 1, temperature: 1 }, // rows past one workgroup, the last one partial
    ]) {
      it(`matches the CPU twin: logp, dH and dE (T=${T} V=${V} D=${D} chunk=${chunk}, E×${eScale}, τ=${temperature})`, async () => {
        const { device } = await testGpu();
        const h = randomF32(T * D, 1);
        const e = randomF32(V * D, 2).map((x) => x * eScale);
        const targets = Uint32Array.from({ length: T }, (_, t) => ([V - 1, 0, 63, 64, 130, 7][t] ?? t * 37) % V);
        const weights = Float32Array.from({ length: T }, (_, t) => (t === 0 ? 0 : 0.5 + 0.25 * t)); // token 0 is prompt
        const dh0 = randomF32(T * D, 3);
        const loss = new FusedLoss(device, { maxTokens: T + 2, V, D, chunk, temperature });
        const inputs = {
          T,
          h: uploadBuffer(device, h),
          e: uploadBuffer(device, e),
          targets: uploadBuffer(device, targets),
        };
        const dh = uploadBuffer(device, dh0);
        const de = uploadBuffer(device, new Float32Array(V * D));
        const encoder = device.createCommandEncoder();
        loss.forward(encoder, inputs);
        loss.backward(encoder, { ...inputs, weights: uploadBuffer(device, weights), dh, de });
        device.queue.submit([encoder.finish()]);
        const want = fusedLossRef(h, e, targets, weights, T, V, D, temperature);
        expect(relativeError(await readF32(device, loss.logp, T), want.logp)).toBeLessThan(1e-5);
        expect(relativeError(await readF32(device, loss.lse, T), want.lse)).toBeLessThan(1e-5);
        const gotDh = await readF32(device, dh, T * D);
        expect(
          relativeError(
            gotDh.map((x, i) => x - dh0[i]),
            want.dh,
          ),
        ).toBeLessThan(1e-4);
        expect(relativeError(await readF32(device, de, V * D), want.de)).toBeLessThan(1e-4);
        expect(gotDh.slice(0, D)).toEqual(dh0.slice(0, D)); // weight 0: the prompt token gets no gradient
        loss.destroy();
      });
    }

    it('runs the backward without dE, and refuses more tokens than it was sized for', async () => {
      const { device } = await testGpu();
      const [T, V, D] = [2, 70, 8];
      const h = randomF32(T * D, 4);
      const e = randomF32(V * D, 5);
      const targets = Uint32Array.of(3, 69);
      const weights = Float32Array.of(1, 1);
      const loss = new FusedLoss(device, { maxTokens: T, V, D, chunk: 64 });
      const inputs = {
        T,
        h: uploadBuffer(device, h),
        e: uploadBuffer(device, e),
        targets: uploadBuffer(device, targets),
      };
      const dh = uploadBuffer(device, new Float32Array(T * D));
      const encoder = device.createCommandEncoder();
      loss.forward(encoder, inputs);
      loss.backward(encoder, { ...inputs, weights: uploadBuffer(device, weights), dh });
      device.queue.submit([encoder.finish()]);
      expect(
        relativeError(await readF32(device, dh, T * D), fusedLossRef(h, e, targets, weights, T, V, D).dh),
      ).toBeLessThan(1e-4);
      expect(() => loss.forward(device.createCommandEncoder(), { ...inputs, T: 3 })).toThrow(/T = 3 outside 1..2/);
      expect(() => new FusedLoss(device, { maxTokens: 1, V, D, chunk: 100 })).toThrow(/multiple of 64/);
      expect(() => new FusedLoss(device, { maxTokens: 1, V, D, temperature: 0 })).toThrow(
        /temperature must be positive/,
      );
    });
  });
