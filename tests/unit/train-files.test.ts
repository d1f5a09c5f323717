// The CPU side of the training loops: config.json for a fully trained model, full-weight checkpoints,
// micro-batch packing and the CLI's time-left text.
import { describe, expect, it } from 'vitest';
import { clockText } from '../../src/cli/trainOutput.ts';
import { parseModelConfig } from '../../src/engine/model/config.ts';
import {
  readFullCheckpoint,
  writeCheckpoint,
  readCheckpoint,
  writeFullCheckpoint,
} from '../../src/engine/train/checkpoint.ts';
import { hfConfigJson } from '../../src/engine/train/fullWeights.ts';
import { packByTokens, sampledCompletionIds } from '../../src/engine/train/trainLoop.ts';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { buildTinyModel } from '../support/tinyModel.ts';

describe('hfConfigJson', () => {
  for (const arch of ['qwen2', 'llama'] as const) {
    it(`writes a config.json that reads back as the same ${arch} config (rope scaling, tying, eos ids)`, () => {
      const { config } = buildTinyModel({ arch, layout: 'hf', seed: 1, tied: arch === 'qwen2' });
      expect(parseModelConfig(hfConfigJson(config))).toEqual(config);
    });
  }
});

describe('full-weight checkpoints', () => {
  const weights = new Map([
    ['model.norm.weight', { shape: [4], data: Float32Array.of(1, 2, 3, 4) }],
    ['model.embed_tokens.weight', { shape: [2, 4], data: Float32Array.of(0.5, -1, 2, 3, 4, 5, 6, 1e-30) }],
  ]);
  const checkpoint = {
    step: 7,
    rng: [1, 2, 3, 4],
    config: { kind: 'sft', method: 'full', order: [1, 0] },
    weights,
    optimizer: { step: 7, m: [Float32Array.of(0.1, 0.2)], v: [Float32Array.of(0.3, 0.4)] },
  };

  it('round-trips every weight and the optimizer state exactly', () => {
    const back = readFullCheckpoint(writeFullCheckpoint(checkpoint));
    expect(back.step).toBe(7);
    expect(back.rng).toEqual([1, 2, 3, 4]);
    expect(back.config).toEqual(checkpoint.config);
    expect(back.weights).toEqual(weights);
    expect(back.optimizer).toEqual(checkpoint.optimizer);
  });

  it('is told apart from a LoRA checkpoint, in both directions', () => {
    const model = { hiddenSize: 8, intermediateSize: 12, numHeads: 2, numKvHeads: 1, headDim: 4, numLayers: 1 };
    const adapter = initLoraAdapter(model, loraConfig({ rank: 2, targets: ['q'] }), 1);
    const lora = writeCheckpoint({ ...checkpoint, adapter, optimizer: { step: 0, m: [], v: [] } });
    expect(() => readFullCheckpoint(lora)).toThrow(
      /a LoRA checkpoint \(format "primer-checkpoint", expected "primer-full-checkpoint"\)/,
    );
    expect(() => readCheckpoint(writeFullCheckpoint(checkpoint), model)).toThrow(/a full-weight checkpoint/);
  });
});

describe('packByTokens', () => {
  it('fills micro-batches in order up to the budget', () => {
    expect(packByTokens([3, 4, 2, 5, 1], (n) => n, 7)).toEqual([[3, 4], [2, 5], [1]]);
    expect(packByTokens([7, 7], (n) => n, 7)).toEqual([[7], [7]]);
  });

  it('refuses an item longer than the budget', () => {
    expect(() => packByTokens([3, 9], (n) => n, 8)).toThrow(
      /a 9-token sequence does not fit the micro-batch budget of 8 tokens/,
    );
  });
});

describe('clockText', () => {
  it('prints minutes and seconds, and hours when there are any', () => {
    expect([0, 9.6, 95, 4000].map(clockText)).toEqual(['0:00', '0:10', '1:35', '1:06:40']);
  });
});

describe('sampledCompletionIds', () => {
  it('ends a completion with the eos id that was sampled, not the first of the model (Llama 3 has several)', () => {
    // 128009 is <|eot_id|>; the model's first eos id would be 128001 (<|end_of_text|>).
    expect(sampledCompletionIds({ tokenIds: [5, 6], finish: 'eos', eosId: 128009 })).toEqual([5, 6, 128009]);
    expect(sampledCompletionIds({ tokenIds: [5, 6], finish: 'length' })).toEqual([5, 6]);
    expect(() => sampledCompletionIds({ tokenIds: [5], finish: 'eos' })).toThrow(/does not say which eos id/);
  });
});
