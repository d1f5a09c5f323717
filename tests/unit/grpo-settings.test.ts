// GRPO's settings on the CPU: the paper preset is a run the engine accepts, and a step's rollouts split into
// mini-batches that keep their order.
import { describe, expect, it } from 'vitest';
import { PAPER_GRPO_PRESET, validateGrpo } from '../../src/engine/train/grpo.ts';
import { splitRollouts } from '../../src/engine/train/grpoUpdate.ts';

const run = {
  steps: 1,
  rank: 16,
  checkpointEvery: 0,
  seed: 1,
  problemPrompts: ['Make 6 from 1, 2, 3'],
  score: () => 0,
};

describe('GRPO settings', () => {
  it('accepts the paper preset as it stands (KL with LoRA, two updates per step)', () => {
    expect(() => validateGrpo({ ...PAPER_GRPO_PRESET, ...run })).not.toThrow();
    expect(PAPER_GRPO_PRESET).toMatchObject({ kl: 0.001, miniBatches: 2, group: 4, prompts: 256 });
    expect(() => validateGrpo({ ...PAPER_GRPO_PRESET, ...run, method: 'full' })).toThrow(/"kl" must be 0 with full/);
  });

  it('refuses temperature 0 and bad update counts, naming the field', () => {
    expect(() => validateGrpo({ ...PAPER_GRPO_PRESET, ...run, temperature: 0 })).toThrow(
      /"temperature" must be positive/,
    );
    expect(() => validateGrpo({ ...PAPER_GRPO_PRESET, ...run, iterations: 0 })).toThrow(
      /"iterations" must be a positive/,
    );
    expect(() => validateGrpo({ ...PAPER_GRPO_PRESET, ...run, prompts: 1, group: 2, miniBatches: 3 })).toThrow(
      /"miniBatches" must be at most the 2 rollouts/,
    );
  });

  it('splits rollouts into near-equal consecutive mini-batches', () => {
    expect(splitRollouts([0, 1, 2, 3, 4, 5, 6, 7], 2)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(splitRollouts([0, 1, 2, 3, 4], 2).map((p) => p.length)).toEqual([3, 2]);
  });
});
