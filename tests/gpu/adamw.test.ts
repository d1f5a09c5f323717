import { describe, expect, it } from 'vitest';
import { readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { adamwStepRef, type AdamWTensorRef } from '../../src/engine/reference/adamw.ts';
import { AdamW, DEFAULT_ADAMW, type AdamWConfig } from '../../src/engine/train/adamw.ts';
import { learningRate } from '../../src/engine/train/schedule.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

const schedule = { kind: 'cosine', lr: 1e-2, warmupSteps: 1, totalSteps: 4, floor: 0.1 } as const;
const sizes = [1000, 37];

/** Relative difference, so parameters of any size compare alike. */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + 1e-3));
  return m;
}

async function gpuSetup(device: GPUDevice, config: Partial<AdamWConfig>, params: Float32Array[]) {
  const tensors = params.map((p, i) => ({
    param: uploadBuffer(device, p),
    grad: uploadBuffer(device, new Float32Array(p.length)),
    count: p.length,
    weightDecay: i === 1 ? 0 : undefined,
  }));
  return { tensors, adamw: new AdamW(device, tensors, config) };
}

/** Runs steps [from, to) on the GPU, with gradient seeds depending on the step only. */
async function runSteps(device: GPUDevice, setup: Awaited<ReturnType<typeof gpuSetup>>, from: number, to: number) {
  for (let s = from; s < to; s++) {
    const encoder = device.createCommandEncoder();
    setup.adamw.zeroGrads(encoder);
    device.queue.submit([encoder.finish()]);
    setup.tensors.forEach((t, i) =>
      device.queue.writeBuffer(t.grad, 0, Float32Array.from(randomF32(t.count, 100 * s + i + 1))),
    );
    const step = device.createCommandEncoder();
    setup.adamw.step(step, learningRate(schedule, s));
    device.queue.submit([step.finish()]);
  }
  return Promise.all(setup.tensors.map((t) => readF32(device, t.param, t.count)));
}

describe('AdamW on WebGPU', () => {
  for (const [name, config] of [
    ['with weight decay and clipping by the global norm', { weightDecay: 0.1, maxGradNorm: 1 }],
    ['without clipping', { weightDecay: 0, maxGradNorm: 0 }],
  ] as const) {
    it(`matches the CPU twin over 4 steps ${name}`, async () => {
      const { device } = await testGpu();
      const params = sizes.map((n, i) => randomF32(n, 7 + i));
      const setup = await gpuSetup(device, config, params);
      const got = await runSteps(device, setup, 0, 4);
      const full = { ...DEFAULT_ADAMW, ...config };
      const ref: AdamWTensorRef[] = params.map((p, i) => ({
        param: Float32Array.from(p),
        grad: new Float32Array(p.length),
        m: new Float32Array(p.length),
        v: new Float32Array(p.length),
        weightDecay: i === 1 ? 0 : undefined,
      }));
      let norm = 0;
      for (let s = 0; s < 4; s++) {
        ref.forEach((t, i) => t.grad.set(randomF32(t.grad.length, 100 * s + i + 1)));
        norm = adamwStepRef(ref, s + 1, learningRate(schedule, s), full);
      }
      expect(norm).toBeGreaterThan(10); // so clipping at 1 really scales
      expect(await setup.adamw.gradNorm()).toBeCloseTo(norm, 3);
      got.forEach((g, i) => expect(maxRelDiff(g, ref[i].param)).toBeLessThan(1e-4));
      got.forEach((g, i) => expect(maxRelDiff(g, params[i])).toBeGreaterThan(1e-3));
      const state = await setup.adamw.saveState();
      expect(state.step).toBe(4);
      state.m.forEach((m, i) => expect(maxRelDiff(m, ref[i].m)).toBeLessThan(1e-4));
    });
  }

  it('resumes bit-exactly from saved parameters and optimizer state', async () => {
    const { device } = await testGpu();
    const params = sizes.map((n, i) => randomF32(n, 7 + i));
    const config = { weightDecay: 0.1, maxGradNorm: 1 };
    const straight = await runSteps(device, await gpuSetup(device, config, params), 0, 4);

    const first = await gpuSetup(device, config, params);
    const halfway = await runSteps(device, first, 0, 2);
    const state = await first.adamw.saveState();
    first.adamw.destroy();
    const resumed = await gpuSetup(device, config, halfway);
    resumed.adamw.loadState(state);
    const end = await runSteps(device, resumed, 2, 4);
    end.forEach((p, i) => expect(p).toEqual(straight[i]));
    expect(() => resumed.adamw.loadState({ step: 1, m: [new Float32Array(3)], v: [new Float32Array(3)] })).toThrow(
      /2 parameters/,
    );
  });

  it('zeroGrads clears every gradient buffer', async () => {
    const { device } = await testGpu();
    const { tensors, adamw } = await gpuSetup(device, {}, [randomF32(300, 1)]);
    device.queue.writeBuffer(tensors[0].grad, 0, Float32Array.from(randomF32(300, 2)));
    const encoder = device.createCommandEncoder();
    adamw.zeroGrads(encoder);
    device.queue.submit([encoder.finish()]);
    expect((await readF32(device, tensors[0].grad, 300)).every((g) => g === 0)).toBe(true);
  });
});
