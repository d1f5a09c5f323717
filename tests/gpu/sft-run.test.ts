// runSft end to end on a scratch model: prompt/completion pairs are tokenized apart, the loss covers the
// completion only, micro-batches accumulate to the same step as one batch, and the loss of 8 memorised
// examples falls by 90%+.
import { describe, expect, it } from 'vitest';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadWeights } from '../../src/engine/model/gpuWeights.ts';
import { scratchConfig, scratchWeights } from '../../src/engine/model/scratch.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { readSafetensorsF32 } from '../../src/engine/lora/peft.ts';
import { trainedDecoder } from '../../src/engine/train/fullWeights.ts';
import { runSft, type SftOptions, type SftStepMetrics } from '../../src/engine/train/sft.ts';
import { testGpu } from '../support/gpu.ts';

const EXAMPLES = ['3+5=8', '7*2=14', '9-4=5', '6/3=2', '8+8=16', '5*5=25', '10-7=3', '12/4=3'].map((e) => {
  const cut = e.indexOf('=') + 1;
  return { prompt: e.slice(0, cut), completion: e.slice(cut) };
});

async function scratchModel(): Promise<Decoder> {
  const { device } = await testGpu();
  const config = scratchConfig({ layers: 2, dim: 64, heads: 4, kvHeads: 2, context: 64, seed: 1 });
  return new Decoder(
    device,
    uploadWeights(device, config, scratchWeights(config, 1), 'f32'),
    new ByteTokenizer(),
    'scratch',
  );
}

const OPTIONS: SftOptions = {
  method: 'full',
  examples: EXAMPLES,
  epochs: 20,
  lr: 6e-3,
  batchSize: 8,
  maxLength: 32,
  warmup: 0,
  schedule: 'constant',
  rank: 8,
  alpha: 16,
  checkpointEvery: 0,
  seed: 3,
};

async function losses(model: Decoder, options: Partial<SftOptions>): Promise<SftStepMetrics[]> {
  const steps: SftStepMetrics[] = [];
  await runSft(model, { ...OPTIONS, ...options }, { onStep: (m) => void steps.push(m) });
  return steps;
}

describe('runSft', () => {
  it('overfits 8 prompt/completion pairs: the completion loss falls by 90%+', async () => {
    const model = await scratchModel();
    const steps = await losses(model, {});
    expect(steps).toHaveLength(20);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(steps.at(-1)!.loss).toBeLessThan(0.1 * steps[0].loss);
    // Uniform guessing over 257 tokens costs ln 257 per completion token; a fresh model is close to it.
    expect(steps[0].loss).toBeGreaterThan(0.8 * Math.log(257));
    expect(steps[0].tokensPerSecond).toBeGreaterThan(0);
    expect(steps.at(-1)!.secondsLeft).toBe(0);
    model.destroy();
  });

  it('leaves the model it was given unchanged (full training trains a copy) and returns its weights', async () => {
    const model = await scratchModel();
    const before = await model.logits([51, 43, 53, 61]);
    const { steps, files } = await runSft(model, { ...OPTIONS, epochs: 2 });
    expect(steps).toBe(2);
    expect(Object.keys(files).sort()).toEqual(['config.json', 'model.safetensors']);
    expect(await model.logits([51, 43, 53, 61])).toEqual(before);
    const trained = await trainedDecoder(model, files, 'trained');
    expect(trained.config).toEqual(model.config);
    expect(await trained.logits([51, 43, 53, 61])).not.toEqual(before);
    trained.destroy();
    model.destroy();
  });

  it('gives the same step whether a batch runs as one micro-batch or as several', async () => {
    const model = await scratchModel();
    const whole = await losses(model, { epochs: 2 });
    const split = await losses(model, { epochs: 2, microBatchTokens: 16 });
    for (const i of [0, 1]) {
      expect(split[i].loss).toBeCloseTo(whole[i].loss, 5);
      expect(split[i].gradNorm).toBeCloseTo(whole[i].gradNorm, 5);
    }
    model.destroy();
  });

  it('puts the loss on the completion tokens and eos only: its first loss is their mean −log p', async () => {
    const model = await scratchModel();
    const tok = new ByteTokenizer();
    let sum = 0;
    let count = 0;
    for (const e of EXAMPLES) {
      const prompt = tok.encode(e.prompt);
      const ids = [...prompt, ...tok.encode(e.completion), ByteTokenizer.EOS];
      const z = await model.logits(ids);
      const V = model.config.vocabSize;
      for (let t = prompt.length - 1; t + 1 < ids.length; t++) {
        const row = z.subarray(t * V, (t + 1) * V);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
        sum += lse - row[ids[t + 1]];
        count++;
      }
    }
    const [first] = await losses(model, { epochs: 1 });
    expect(first.loss).toBeCloseTo(sum / count, 4);
    model.destroy();
  });

  it('takes 200,000 examples (no argument list as long as the data set)', async () => {
    const model = await scratchModel();
    const examples = Array.from({ length: 200_000 }, (_, i) => EXAMPLES[i % EXAMPLES.length]);
    const steps = await losses(model, { method: 'lora', examples, epochs: 1, stopAfter: 1 });
    expect(steps.map((s) => [s.step, s.steps])).toEqual([[1, 25_000]]);
    expect(Number.isFinite(steps[0].loss)).toBe(true);
    model.destroy();
  });

  it('stops a run that diverges (lr 1e30) with a clear message, and every checkpoint it made is finite', async () => {
    for (const method of ['lora', 'full'] as const) {
      const model = await scratchModel();
      const checkpoints: Array<{ step: number; bytes: Uint8Array }> = [];
      const run = runSft(
        model,
        { ...OPTIONS, method, lr: 1e30, epochs: 6, checkpointEvery: 1 },
        { onCheckpoint: (step, bytes) => void checkpoints.push({ step, bytes }) },
      );
      await expect(run).rejects.toThrow(/^training diverged: .*lower the learning rate/);
      const message = await run.catch((err: Error) => err.message);
      const last = checkpoints.at(-1);
      expect(message).toContain(
        last ? `its last checkpoint (step ${last.step}) has finite weights` : 'there is no checkpoint of this run',
      );
      for (const { bytes } of checkpoints) {
        const { tensors } = readSafetensorsF32(bytes, 'checkpoint');
        for (const [name, t] of tensors) expect(t.data.every(Number.isFinite), name).toBe(true);
      }
      // The model it was given is as it was, and can train again at a sane rate.
      expect((await losses(model, { method, epochs: 1 }))[0].loss).toBeLessThan(Math.log(257) * 1.2);
      model.destroy();
    }
  });

  it('rejects bad options naming the field', async () => {
    const model = await scratchModel();
    await expect(runSft(model, { ...OPTIONS, batchSize: 0 })).rejects.toThrow(/"batchSize" must be a positive integer/);
    await expect(runSft(model, { ...OPTIONS, examples: [] })).rejects.toThrow(/no examples/);
    await expect(runSft(model, { ...OPTIONS, maxLength: 3 })).rejects.toThrow(/example 1's prompt is 4 tokens/);
    model.destroy();
  });
});
