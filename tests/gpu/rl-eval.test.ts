// RL's held-out curve is labelled as the paper's: step 0 is the model before any update, step s the policy
// after update s. A large learning rate makes every update visible, so a mislabelled point would not match.
import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../../src/behaviors/metrics.ts';
import type { EngineEvent } from '../../src/app/engineService.ts';
import { LocalEngine } from '../../src/app/localEngine.ts';
import { evaluatePolicy } from '../../src/app/rlEval.ts';
import { openDecoder } from '../../src/engine/openDecoder.ts';
import { runGrpo } from '../../src/engine/train/grpo.ts';
import { generateCountdownProblems } from '../../src/tasks/countdown.ts';
import { testGpu } from '../support/gpu.ts';

const SPEC = { source: 'scratch', layers: 1, dim: 32, heads: 2, context: 600, seed: 3 } as const;

describe('RL evaluation labels', () => {
  it('hands over the untouched model as step 0 and the policy after update s as step s (large lr)', async () => {
    const { device } = await testGpu();
    const model = await openDecoder(device, { ...SPEC, context: 32 });
    const probe = [83, 97, 121];
    const untouched = await model.logits(probe);
    const seen: Array<[number, Float32Array]> = [];
    await runGrpo(
      model,
      {
        problemPrompts: ['Say a letter:'],
        score: (completion: string) => (/^[a-z]/.test(completion) ? 1 : 0),
        steps: 2,
        prompts: 4,
        group: 8,
        lr: 3e-2,
        kl: 0,
        temperature: 1,
        maxTokens: 1,
        rank: 2,
        method: 'full',
        checkpointEvery: 0,
        seed: 1,
      },
      { onPolicy: async (step, policy) => void seen.push([step, await policy.logits(probe)]) },
    );
    expect(seen.map(([step]) => step)).toEqual([0, 1, 2]);
    expect(seen[0][1]).toEqual(untouched);
    expect(seen[1][1]).not.toEqual(untouched);
    expect(seen[2][1]).not.toEqual(seen[1][1]);
    model.destroy();
  });

  it('LocalEngine measures step 0 before the first update, then after each update, with those labels', async () => {
    const engine = new LocalEngine();
    await engine.load('m', SPEC);
    const [problems, evalProblems] = [1, 2].map((seed) => generateCountdownProblems({ count: 2, seed }));
    const job = {
      task: 'countdown',
      template: 'base' as const,
      problems,
      evalProblems,
      evalEvery: 1,
      steps: 2,
      prompts: 1,
      group: 2,
      lr: 0.5,
      kl: 0,
      temperature: 1,
      maxTokens: 6,
      rank: 2,
      method: 'full' as const,
      checkpointEvery: 0,
      seed: 4,
    };
    const events: EngineEvent[] = [];
    await engine.rl('m', job, 'trained', { onEvent: (e) => void events.push(e) });
    const evals = events.filter((e): e is { type: 'eval'; metrics: StepMetrics } => e.type === 'eval');
    expect(evals.map((e) => e.metrics.step)).toEqual([0, 1, 2]);
    // Progress events aside, step 0's measure comes before the first update's step event.
    expect(events.find((e) => e.type !== 'train')?.type).toBe('eval');

    const { device } = await testGpu();
    const untouched = await openDecoder(device, SPEC);
    const plan = {
      task: 'countdown',
      template: 'base' as const,
      problems: evalProblems,
      maxTokens: 6,
      seed: 4,
      every: 1,
      last: 2,
    };
    expect(evals[0].metrics).toEqual(await evaluatePolicy(untouched, 0, plan));
    untouched.destroy();
  });
});
