// A run stopped after a checkpoint (cancelled through its signal, or ended by stopAfter) and resumed from that
// checkpoint ends with the same weights as the same run left alone: the data order, the RNG (sampling
// seeds), the step, the schedule and AdamW's moments all carry over.
import { describe, expect, it } from 'vitest';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadWeights } from '../../src/engine/model/gpuWeights.ts';
import { scratchConfig, scratchWeights } from '../../src/engine/model/scratch.ts';
import { readSafetensorsF32 } from '../../src/engine/lora/peft.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { runGrpo, type GrpoOptions } from '../../src/engine/train/grpo.ts';
import { runSft, type SftOptions } from '../../src/engine/train/sft.ts';
import type { TrainOutcome } from '../../src/engine/train/trainLoop.ts';
import { testGpu } from '../support/gpu.ts';

async function scratchModel(): Promise<Decoder> {
  const { device } = await testGpu();
  const config = scratchConfig({ layers: 1, dim: 32, heads: 2, context: 32, seed: 4 });
  return new Decoder(
    device,
    uploadWeights(device, config, scratchWeights(config, 4), 'f32'),
    new ByteTokenizer(),
    'scratch',
  );
}

const SFT: SftOptions = {
  method: 'lora',
  examples: ['1+1=2', '2+3=5', '4*2=8', '9-3=6', '8/2=4', '7+1=8', '3*3=9', '5-5=0'].map((e) => ({
    prompt: e.slice(0, 4),
    completion: e.slice(4),
  })),
  epochs: 2,
  lr: 1e-2,
  batchSize: 2,
  maxLength: 16,
  warmup: 0.25,
  rank: 4,
  alpha: 8,
  checkpointEvery: 3,
  seed: 9,
};

const GRPO: GrpoOptions = {
  problemPrompts: ['Say:'],
  score: (c) => (/^[a-z]/.test(c) ? 1 : 0),
  steps: 4,
  prompts: 2,
  group: 4,
  lr: 3e-2,
  kl: 0,
  temperature: 1,
  maxTokens: 2,
  rank: 4,
  checkpointEvery: 2,
  seed: 5,
};

/** Every tensor of a safetensors file (adapter or model), by name. */
function tensorsOf(outcome: TrainOutcome, file: string): Map<string, Float32Array> {
  return new Map([...readSafetensorsF32(outcome.files[file], file).tensors].map(([name, t]) => [name, t.data]));
}

function expectSameTensors(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, x] of a) {
    const y = b.get(name)!;
    const worst = x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    expect(worst, name).toBeLessThan(1e-6);
  }
}

/** Runs until the first checkpoint, aborting there; returns the checkpoint's bytes. */
async function cancelAtFirstCheckpoint(
  run: (callbacks: {
    signal: AbortSignal;
    onCheckpoint: (step: number, bytes: Uint8Array) => void;
  }) => Promise<TrainOutcome>,
) {
  const controller = new AbortController();
  let saved: { step: number; bytes: Uint8Array } | undefined;
  const stopped = run({
    signal: controller.signal,
    onCheckpoint: (step, bytes) => {
      saved = { step, bytes };
      controller.abort();
    },
  });
  await expect(stopped).rejects.toMatchObject({ name: 'AbortError' });
  return saved!;
}

describe('resuming a training run from its checkpoint', () => {
  it('SFT with LoRA: cancelled mid-epoch at step 3 of 8 and resumed, it ends with the same adapter', async () => {
    const model = await scratchModel();
    const straight = await runSft(model, SFT);
    const saved = await cancelAtFirstCheckpoint((callbacks) => runSft(model, SFT, callbacks));
    expect(saved.step).toBe(3);
    const steps: number[] = [];
    const resumed = await runSft(model, { ...SFT, resume: saved.bytes }, { onStep: (m) => void steps.push(m.step) });
    expect(steps).toEqual([4, 5, 6, 7, 8]);
    expect(resumed.steps).toBe(8);
    expectSameTensors(
      tensorsOf(resumed, 'adapter_model.safetensors'),
      tensorsOf(straight, 'adapter_model.safetensors'),
    );
    // A run from another seed differs, so the comparison above can fail.
    const other = await runSft(model, { ...SFT, seed: 10 });
    expect(tensorsOf(other, 'adapter_model.safetensors')).not.toEqual(tensorsOf(straight, 'adapter_model.safetensors'));
    model.destroy();
  });

  it('SFT of every weight: ended by stopAfter at its checkpoint and resumed, it ends with the same weights', async () => {
    const model = await scratchModel();
    const options: SftOptions = { ...SFT, method: 'full', lr: 3e-3 };
    const straight = await runSft(model, options);
    let bytes: Uint8Array | undefined;
    const part = await runSft(model, { ...options, stopAfter: 3 }, { onCheckpoint: (_, b) => void (bytes = b) });
    expect(part.steps).toBe(3);
    const resumed = await runSft(model, { ...options, resume: bytes });
    expectSameTensors(tensorsOf(resumed, 'model.safetensors'), tensorsOf(straight, 'model.safetensors'));
    await expect(runSft(model, { ...SFT, resume: bytes })).rejects.toThrow(/a full-weight checkpoint/);
    model.destroy();
  });

  it('GRPO with LoRA: cancelled at step 2 of 4 and resumed, it samples the same rollouts and ends with the same adapter', async () => {
    const model = await scratchModel();
    const rewards = (into: number[][]) => ({
      onRollouts: (rows: { reward: number }[]) => void into.push(rows.map((r) => r.reward)),
    });
    const straightRewards: number[][] = [];
    const straight = await runGrpo(model, GRPO, rewards(straightRewards));
    const saved = await cancelAtFirstCheckpoint((callbacks) => runGrpo(model, GRPO, callbacks));
    expect(saved.step).toBe(2);
    const resumedRewards: number[][] = [];
    const resumed = await runGrpo(model, { ...GRPO, resume: saved.bytes }, rewards(resumedRewards));
    expect(resumedRewards).toEqual(straightRewards.slice(2));
    expectSameTensors(
      tensorsOf(resumed, 'adapter_model.safetensors'),
      tensorsOf(straight, 'adapter_model.safetensors'),
    );
    await expect(runGrpo(model, { ...GRPO, problemPrompts: ['a', 'b'], resume: saved.bytes })).rejects.toThrow(
      /made for 1 problems/,
    );
    model.destroy();
  });
});
