// Whole-model gradient checks: the trainer's GPU gradients (forward, fused loss, every backward kernel,
// LoRA) against central finite differences of the CPU reference forward's loss
// L = Σ_t w_t · (−log softmax(z_t)[y_t]), z = referenceLogits (LoRA merged into the weights with mergeLora).
// The checked coordinates are each tensor's largest gradients (a relative check) plus random ones (an
// absolute check), in both layers, so a missing or wrong term anywhere in the chain shows. Both checks run with
// both kernel families: the 23 packed tokens take the gpu family's tiled GEMM for every product of the forward,
// the fused loss and the backward (it takes products over 16 rows), and its flash attention forward and backward.
import { describe, expect, it } from 'vitest';
import { useKernels } from '../../src/engine/kernelFamily.ts';
import { readF32 } from '../../src/engine/compute.ts';
import type { LinearWeight, ModelWeights } from '../../src/engine/load/weights.ts';
import { initLoraAdapter, type LoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig, loraScale } from '../../src/engine/lora/config.ts';
import { mergeLora } from '../../src/engine/lora/peft.ts';
import type { ModelConfig } from '../../src/engine/model/config.ts';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadWeights } from '../../src/engine/model/gpuWeights.ts';
import { referenceLogits } from '../../src/engine/reference/forward.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { Trainer, type TrainSequence } from '../../src/engine/train/trainer.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { buildTinyModel } from '../support/tinyModel.ts';

const EPS = 1e-2;
const tiny = buildTinyModel({
  arch: 'qwen2',
  layout: 'hf',
  seed: 3,
  tied: true,
  hiddenSize: 32,
  intermediateSize: 64,
  numHeads: 2,
  numKvHeads: 1,
});
const config = tiny.config;

/** Three packed sequences (23 tokens) with mixed-sign weights, as GRPO's advantages give. */
const SEQS: TrainSequence[] = [
  [5, 77, 130, 9, 200, 41],
  [18, 250, 3, 3, 96],
  [60, 61, 7, 140, 33, 201, 12, 90, 4, 4, 170, 55],
].map((ids, s) => ({
  ids,
  weights: Array.from(randomF32(ids.length, 10 + s), (w) => w * 2),
}));

/** The CPU loss, summed in f64 from the reference logits. */
function cpuLoss(c: ModelConfig, weights: ModelWeights): number {
  let loss = 0;
  for (const { ids, weights: w } of SEQS) {
    const z = referenceLogits(c, weights, ids);
    const V = c.vocabSize;
    for (let t = 0; t + 1 < ids.length; t++) {
      const row = z.subarray(t * V, (t + 1) * V);
      const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      loss += w[t] * (lse - row[ids[t + 1]]);
    }
  }
  return loss;
}

/** Central difference of `loss` in coordinate i of `values` (restored afterwards). */
function finiteDifference(values: Float32Array, i: number, loss: () => number): number {
  const x = values[i];
  values[i] = x + EPS;
  const up = loss();
  values[i] = x - EPS;
  const down = loss();
  values[i] = x;
  return (up - down) / (2 * EPS);
}

/** The largest-gradient coordinates and a few random ones. */
function coordinates(grad: Float32Array, seed: number): number[] {
  const byMagnitude = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a]));
  const random = Array.from(randomF32(2, seed), (r) => Math.floor(((r + 1) / 2) * grad.length));
  return [...byMagnitude.slice(0, 3), ...random];
}

function expectAgreement(
  what: string,
  gpu: Float32Array,
  values: Float32Array,
  loss: () => number,
  seed: number,
): void {
  const largest = Math.max(...Array.from(gpu, Math.abs));
  expect(largest, `${what}: the gradient must not be negligible`).toBeGreaterThan(1e-3);
  for (const i of coordinates(gpu, seed)) {
    const fd = finiteDifference(values, i, loss);
    expect(Math.abs(gpu[i] - fd), `${what}[${i}]: gpu ${gpu[i]} vs finite difference ${fd}`).toBeLessThan(
      1e-2 * Math.abs(fd) + 2e-3 * largest,
    );
  }
}

async function gpuModel(): Promise<Decoder> {
  const { device } = await testGpu();
  return new Decoder(device, uploadWeights(device, config, tiny.weights, 'f32'), new ByteTokenizer(), 'tiny');
}

const f32 = (w: LinearWeight): Float32Array => {
  if (w.kind !== 'f32') throw new Error('expected f32 weights');
  return w.data;
};

/** The weights with every adapter module merged in (W + s · B A). */
function merged(adapter: LoraAdapter): ModelWeights {
  const scale = loraScale(adapter.config);
  const layers = tiny.weights.layers.map((layer) => ({ ...layer }));
  for (const m of adapter.modules) {
    const w = layers[m.layer][m.target];
    layers[m.layer][m.target] = { kind: 'f32', rows: w.rows, cols: w.cols, data: mergeLora(f32(w), m, scale) };
  }
  return { ...tiny.weights, layers };
}

describe('whole-model gradients against finite differences of the CPU reference', () => {
  for (const family of ['emulator', 'gpu'] as const)
    it(`LoRA, ${family} kernels: dA and dB of every target in both layers (B nonzero, so dA is not trivially 0)`, async () => {
      const model = await gpuModel();
      useKernels(model.device, family);
      const adapter = initLoraAdapter(config, loraConfig({ rank: 4, alpha: 8 }), 3);
      adapter.modules.forEach((m, i) => m.b.set(Array.from(randomF32(m.b.length, 100 + i), (v) => v * 0.2)));
      const trainer = new Trainer(model, { mode: 'lora', adapter, maxTokens: 32 });
      trainer.zeroGrads();
      await trainer.microBatch(SEQS);
      const grads = await trainer.lora!.download('grads');
      grads.modules.forEach((g, i) => {
        const m = adapter.modules[i];
        const loss = () => cpuLoss(config, merged(adapter));
        expectAgreement(`layer ${m.layer} ${m.target} A`, g.a, m.a, loss, 2 * i);
        expectAgreement(`layer ${m.layer} ${m.target} B`, g.b, m.b, loss, 2 * i + 1);
      });
      trainer.destroy();
      model.destroy();
      useKernels(model.device, 'emulator');
    });

  for (const family of ['emulator', 'gpu'] as const)
    it(`full training, ${family} kernels: q, o, down, norms, q bias and the tied embedding`, async () => {
      const model = await gpuModel();
      useKernels(model.device, family);
      const trainer = new Trainer(model, { mode: 'full', maxTokens: 32 });
      trainer.zeroGrads();
      await trainer.microBatch(SEQS);
      const full = trainer.full!;
      const read = (b: GPUBuffer, n: number) => readF32(model.device, b, n);
      const loss = () => cpuLoss(config, tiny.weights);
      const w = tiny.weights;
      for (const l of [0, 1]) {
        const layer = w.layers[l];
        const g = full.layers[l];
        for (const name of ['q', 'o', 'down'] as const) {
          expectAgreement(
            `layer ${l} ${name}`,
            await read(g.linear[name], f32(layer[name]).length),
            f32(layer[name]),
            loss,
            10 * l,
          );
        }
        expectAgreement(
          `layer ${l} input norm`,
          await read(g.inputNorm, config.hiddenSize),
          layer.inputNorm,
          loss,
          10 * l + 1,
        );
        expectAgreement(
          `layer ${l} post norm`,
          await read(g.postNorm, config.hiddenSize),
          layer.postNorm,
          loss,
          10 * l + 2,
        );
        expectAgreement(`layer ${l} q bias`, await read(g.qBias!, layer.qBias!.length), layer.qBias!, loss, 10 * l + 3);
      }
      expectAgreement('final norm', await read(full.finalNorm, config.hiddenSize), w.finalNorm, loss, 30);
      expectAgreement(
        'embedding (input and output)',
        await read(full.embed, f32(w.embed).length),
        f32(w.embed),
        loss,
        31,
      );
      trainer.destroy();
      model.destroy();
      useKernels(model.device, 'emulator');
    });
});
