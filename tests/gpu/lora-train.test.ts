// The training pieces wired together on a toy problem, step for step against their CPU twins:
// H = x Wqᵀ + LoRA_q(x) → fused loss over a 100-word vocabulary with SFT weights → LoRA backward → AdamW.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { GpuLoraAdapter } from '../../src/engine/lora/gpuAdapter.ts';
import { adamwStepRef } from '../../src/engine/reference/adamw.ts';
import { fusedLossRef } from '../../src/engine/reference/fusedLoss.ts';
import { loraBackwardRef, loraForwardRef } from '../../src/engine/reference/lora.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { AdamW, DEFAULT_ADAMW } from '../../src/engine/train/adamw.ts';
import { FusedLoss } from '../../src/engine/train/fusedLoss.ts';
import { sftWeights } from '../../src/engine/train/objective.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

describe('LoRA SFT steps on WebGPU', () => {
  it('follow the CPU twins step by step and lower the loss', async () => {
    const { device } = await testGpu();
    const [T, D, V, r, steps, lr] = [6, 16, 100, 4, 4, 0.05];
    const model = { hiddenSize: D, intermediateSize: 32, numHeads: 4, numKvHeads: 2, headDim: 4, numLayers: 1 };
    const config = loraConfig({ rank: r, alpha: 8, targets: ['q'] });
    const cpu = initLoraAdapter(model, config, 1).modules[0];
    const dims = { T, inFeatures: D, outFeatures: D, rank: r, scale: 2 };
    const x = randomF32(T * D, 2);
    const base = matmulRef(x, randomF32(D * D, 3), T, D, D);
    const e = randomF32(V * D, 4);
    const targets = Uint32Array.from({ length: T }, (_, t) => (t * 37 + 5) % V);
    const weights = sftWeights([0, 0, 1, 1, 1, 1]);
    const adamConfig = { ...DEFAULT_ADAMW, weightDecay: 0.01 };

    const lora = GpuLoraAdapter.upload(device, initLoraAdapter(model, config, 1));
    const adamw = new AdamW(device, [lora.trainable()], adamConfig);
    const loss = new FusedLoss(device, { maxTokens: T, V, D, chunk: 64 });
    const buf = {
      x: uploadBuffer(device, x),
      base: uploadBuffer(device, base),
      h: createStorageBuffer(device, T * D * 4),
      u: createStorageBuffer(device, T * r * 4),
      du: createStorageBuffer(device, T * r * 4),
      dh: createStorageBuffer(device, T * D * 4),
      dx: createStorageBuffer(device, T * D * 4),
      e: uploadBuffer(device, e),
      targets: uploadBuffer(device, targets),
      weights: uploadBuffer(device, weights),
    };
    const m = [new Float32Array(r * D), new Float32Array(D * r)];
    const v = [new Float32Array(r * D), new Float32Array(D * r)];
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buf.base, 0, buf.h, 0, T * D * 4);
      encoder.clearBuffer(buf.dh);
      adamw.zeroGrads(encoder);
      lora.forward(encoder, 0, 'q', { T, x: buf.x, u: buf.u, y: buf.h });
      const inputs = { T, h: buf.h, e: buf.e, targets: buf.targets };
      loss.forward(encoder, inputs);
      loss.backward(encoder, { ...inputs, weights: buf.weights, dh: buf.dh });
      lora.backward(encoder, 0, 'q', { T, x: buf.x, u: buf.u, dy: buf.dh, du: buf.du, dx: buf.dx });
      adamw.step(encoder, lr);
      device.queue.submit([encoder.finish()]);
      const logp = await readF32(device, loss.logp, T);
      const gpuLoss = -logp.reduce((s, l, t) => s + weights[t] * l, 0);

      const fwd = loraForwardRef(x, cpu.a, cpu.b, base, dims);
      const ref = fusedLossRef(fwd.y, e, targets, weights, T, V, D);
      const g = loraBackwardRef(x, ref.dh, fwd.u, cpu.a, cpu.b, dims);
      const norm = adamwStepRef(
        [
          { param: cpu.a, grad: g.da, m: m[0], v: v[0] },
          { param: cpu.b, grad: g.db, m: m[1], v: v[1] },
        ],
        step + 1,
        lr,
        adamConfig,
      );
      expect(gpuLoss).toBeCloseTo(ref.loss, 4);
      expect(await adamw.gradNorm()).toBeCloseTo(norm, 3);
      losses.push(gpuLoss);
    }
    const trained = (await lora.download()).modules[0];
    trained.b.forEach((b, i) => expect(b).toBeCloseTo(cpu.b[i], 4));
    expect(losses[steps - 1]).toBeLessThan(losses[0] - 0.1);
  });
});
