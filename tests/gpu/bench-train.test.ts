// What `primer bench` builds its training figures from: the LoRA step and forward timer, the GRPO rollout timer,
// and the training memory of a zero-weight q4 model (built only, as the bench does, and with a step run).
import { describe, expect, it } from 'vitest';
import { measureTrainingMemory, timeGrpoRollout, timeLoraStep } from '../../src/engine/benchTrain.ts';
import { LORA_TARGETS, targetShape } from '../../src/engine/lora/config.ts';
import { findModel } from '../../src/engine/model/catalog.ts';
import { layerActsBytes } from '../../src/engine/model/activations.ts';
import type { ModelConfig } from '../../src/engine/model/config.ts';
import { testGpu } from '../support/gpu.ts';
import { tinyDecoder } from '../support/tinyDecoder.ts';

describe('LoRA step timing', () => {
  it('gives a positive training rate, a step slower than the forward, and leaves the model without an adapter', async () => {
    const model = await tinyDecoder();
    const timing = await timeLoraStep(model, { sequences: 2, tokens: 16 }, 4, 2);
    expect(timing.trainTokS).toBeGreaterThan(0);
    expect(Number.isFinite(timing.trainTokS)).toBe(true);
    expect(timing.trainTokS).toBeCloseTo(32 / timing.stepSeconds, 6);
    expect(timing.stepOverForward).toBeGreaterThan(1);
    expect(timing.stepOverForward).toBeCloseTo(timing.stepSeconds / timing.forwardSeconds, 6);
    expect(model.lora).toBeUndefined();
    model.destroy();
  });
});

describe('GRPO rollout timing', () => {
  it('gives a positive rate with an adapter attached, then puts the model back as it was', async () => {
    const model = await tinyDecoder({ arch: 'llama' }, 'q4');
    const eos = [...model.config.eosTokenIds];
    const timing = await timeGrpoRollout(model, 4, 8, 5, 4, 1);
    expect(timing.rolloutTokS).toBeGreaterThan(0);
    expect(Number.isFinite(timing.rolloutTokS)).toBe(true);
    // One run: its 5 tokens a row took at least as long as the 4 decode steps after the first token.
    expect(timing.rolloutTokS).toBeLessThanOrEqual((timing.decodeTokS * 5) / 4);
    expect(model.lora).toBeUndefined();
    expect(model.config.eosTokenIds).toEqual(eos);
    model.destroy();
  });
});

describe('LoRA training memory of a zero-weight q4 model', () => {
  // Qwen2.5's field set at a small size (the bench measures the real one).
  const qwen = findModel('Qwen/Qwen2.5-0.5B-Instruct').config;
  const config: ModelConfig = {
    ...qwen,
    vocabSize: 4096,
    hiddenSize: 128,
    intermediateSize: 512,
    numLayers: 3,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 32,
  };
  const batch = { sequences: 2, tokens: 32 };
  const rank = 8;

  it('holds more than the weights, the adapter and its AdamW state, and far less than 2.5 GB', async () => {
    const { device } = await testGpu();
    const memory = await measureTrainingMemory(device, config, { rank, batch, dispatchTokens: 0 });
    const f32Output = config.vocabSize * config.hiddenSize * 4; // tied: the embedding, kept in f32
    expect(memory.weightBytes).toBeGreaterThan(f32Output);
    const perLayer = LORA_TARGETS.reduce(
      (n, t) => n + targetShape(config, t).inFeatures + targetShape(config, t).outFeatures,
      0,
    );
    const adapterAndAdamW = 4 * rank * perLayer * config.numLayers * 4; // f32 params, grads, m and v
    expect(memory.checkpointingBytes).toBeGreaterThan(memory.weightBytes + adapterAndAdamW);
    expect(memory.checkpointingBytes).toBeLessThan(2.5e9);
    expect(memory.dispatchedTokens).toBe(0);
  });

  it('counts the same buffers whether or not a step runs, and derives the no-checkpointing figure from the layers', async () => {
    const { device } = await testGpu();
    const built = await measureTrainingMemory(device, config, { rank, batch, dispatchTokens: 0 });
    const ran = await measureTrainingMemory(device, config, { rank, batch, dispatchTokens: 4 });
    expect(ran.dispatchedTokens).toBe(4);
    expect(ran.weightBytes).toBe(built.weightBytes);
    // A step adds only per-call inputs, uniforms, read-back staging and the small scratch of a few kernels (the
    // emulator's weight-gradient slices and gradient-norm partials): tens of KB here, less than one [R, 512]
    // activation (128 KB).
    expect(ran.checkpointingBytes).toBeGreaterThanOrEqual(built.checkpointingBytes);
    expect(ran.checkpointingBytes - built.checkpointingBytes).toBeLessThan(96 * 1024);
    const R = batch.sequences * batch.tokens;
    const expectedExtra =
      (config.numLayers - 1) * layerActsBytes(config, R, rank) - config.numLayers * R * config.hiddenSize * 4;
    expect(built.noCheckpointingBytes - built.checkpointingBytes).toBe(expectedExtra);
  });
});
