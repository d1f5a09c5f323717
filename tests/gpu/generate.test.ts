import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIds } from '../../src/engine/generate.ts';
import type { Decoder } from '../../src/engine/model/decoder.ts';
import { tinyDecoder } from '../support/tinyDecoder.ts';

function argmaxRow(logits: Float32Array, row: number, V: number): number {
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[row * V + i] > logits[row * V + best]) best = i;
  return best;
}

describe('generation with a KV cache', () => {
  let model: Decoder;
  const prompts = [
    [10, 20, 30, 40, 50],
    [7, 8],
    [100, 101, 102, 103, 104, 105, 106, 107, 108],
  ];
  const greedy = { maxTokens: 8, temperature: 0 };

  beforeAll(async () => {
    // No eos ids: every row runs to maxTokens, so the comparisons below see whole sequences.
    model = await tinyDecoder({ arch: 'llama' });
    model.config.eosTokenIds = [];
  });
  afterAll(() => model?.destroy());

  it('decodes what a full recompute of the sequence predicts', async () => {
    const [gen] = await generateIds(model, [prompts[0]], greedy);
    const ids = [...prompts[0], ...gen.tokenIds!];
    expect(gen.tokens).toBe(8);
    const logits = await model.logits(ids);
    const V = model.config.vocabSize;
    for (let t = prompts[0].length - 1; t < ids.length - 1; t++) expect(argmaxRow(logits, t, V)).toBe(ids[t + 1]);
  });

  it('gives the same greedy tokens batched as one by one', async () => {
    const batched = await generateIds(model, prompts, greedy);
    for (let i = 0; i < prompts.length; i++) {
      const [single] = await generateIds(model, [prompts[i]], greedy);
      expect(batched[i].tokenIds).toEqual(single.tokenIds);
    }
  });

  it('is deterministic under a seed and differs across seeds', async () => {
    const sample = (seed: number) =>
      generateIds(model, [prompts[1], prompts[1]], { maxTokens: 12, temperature: 1.5, seed });
    const a = await sample(1);
    expect((await sample(1)).map((g) => g.tokenIds)).toEqual(a.map((g) => g.tokenIds));
    const b = await sample(2);
    expect(b.map((g) => g.tokenIds)).not.toEqual(a.map((g) => g.tokenIds));
    expect(a[0].tokenIds).not.toEqual(a[1].tokenIds); // rows of a group draw differently
  });

  it('stops at eos ids, stop strings and cancel', async () => {
    const [free] = await generateIds(model, [prompts[0]], greedy);
    const firstByte = free.tokenIds![0];
    // Several eos ids (Llama 3: <|end_of_text|>, <|eot_id|>, ...): the one sampled is reported, not the first.
    model.config.eosTokenIds = [(firstByte + 1) % model.config.vocabSize, firstByte];
    const [eos] = await generateIds(model, [prompts[0]], greedy);
    model.config.eosTokenIds = [];
    expect(eos).toMatchObject({ finish: 'eos', tokens: 0, text: '', eosId: firstByte });
    expect(free.eosId).toBeUndefined();
    const stop = free.text.slice(1, 3);
    const [stopped] = await generateIds(model, [prompts[0]], { ...greedy, stop: [stop] });
    expect(stopped.finish).toBe('stop');
    expect(stopped.text.endsWith(stop)).toBe(true);
    const controller = new AbortController();
    controller.abort();
    const [cancelled] = await generateIds(model, [prompts[0]], { ...greedy, signal: controller.signal });
    expect(cancelled.finish).toBe('cancel');
  });

  it('rejects a prompt longer than the context with a clear error', async () => {
    await expect(generateIds(model, [Array(model.config.maxPositions).fill(1)], greedy)).rejects.toThrow(
      /exceeds the model's context/,
    );
  });
});
