// runGrpo learns: on an easy verifiable task (answer with a lowercase letter, one token) a scratch model goes
// from chance (26 of 257 byte tokens, about 0.1) to a mean reward of 0.9+ in a few steps. Also: the KL
// penalty's reference is the adapter the run started from, and a Task's prompt, reward and annotator reach
// every rollout through the task-free trainer.
import { describe, expect, it } from 'vitest';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { GpuLoraAdapter } from '../../src/engine/lora/gpuAdapter.ts';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadWeights } from '../../src/engine/model/gpuWeights.ts';
import { scratchConfig, scratchWeights } from '../../src/engine/model/scratch.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { runGrpo, type GrpoStepMetrics } from '../../src/engine/train/grpo.ts';
import { runTaskRl, type RlStepMetrics, type TaskRollout } from '../../src/app/taskRl.ts';
import { countdownTask } from '../../src/tasks/countdownTask.ts';
import { renderPrompt } from '../../src/tasks/task.ts';
import type { CountdownProblem } from '../../src/tasks/types.ts';
import { testGpu } from '../support/gpu.ts';

async function scratchModel(context = 32): Promise<Decoder> {
  const { device } = await testGpu();
  const config = scratchConfig({ layers: 1, dim: 32, heads: 2, context, seed: 1 });
  return new Decoder(
    device,
    uploadWeights(device, config, scratchWeights(config, 1), 'f32'),
    new ByteTokenizer(),
    'scratch',
  );
}

const letterTask = {
  problemPrompts: ['Say a letter:'],
  score: (completion: string) => (/^[a-z]/.test(completion) ? 1 : 0),
};

async function letterRun(
  model: Decoder,
  options: {
    method: 'lora' | 'full';
    steps: number;
    lr: number;
    kl?: number;
    prompts?: number;
    group?: number;
    miniBatches?: number;
    iterations?: number;
  },
): Promise<GrpoStepMetrics[]> {
  const steps: GrpoStepMetrics[] = [];
  await runGrpo(
    model,
    {
      ...letterTask,
      prompts: 4,
      group: 8,
      kl: 0,
      temperature: 1,
      maxTokens: 1,
      rank: 4,
      alpha: 8,
      checkpointEvery: 0,
      seed: 1,
      ...options,
    },
    { onStep: (m) => void steps.push(m) },
  );
  return steps;
}

describe('GRPO on WebGPU', () => {
  it('raises the mean reward of an easy task from chance to 0.9+', async () => {
    const model = await scratchModel();
    const steps = await letterRun(model, { method: 'full', steps: 16, lr: 3e-2 });
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(steps[0].meanReward).toBeLessThan(0.3);
    expect(steps.at(-1)!.meanReward).toBeGreaterThanOrEqual(0.9);
    expect(steps.every((s) => s.clipFraction === 0 && s.kl === undefined && s.updates === 1)).toBe(true);
    model.destroy();
  });

  for (const plan of [{ iterations: 2 }, { miniBatches: 2 }]) {
    it(`lets the PPO clip act with 2 updates per batch (${JSON.stringify(plan)}): clip fraction > 0`, async () => {
      const model = await scratchModel();
      const steps = await letterRun(model, { method: 'full', steps: 3, lr: 3e-2, ...plan });
      expect(steps.every((s) => s.updates === 2)).toBe(true);
      expect(Math.max(...steps.map((s) => s.clipFraction))).toBeGreaterThan(0);
      model.destroy();
    });
  }

  it('measures KL against the adapter the run started from, not the bare base', async () => {
    const model = await scratchModel();
    const primed = initLoraAdapter(model.config, loraConfig({ rank: 4, alpha: 8 }), 5);
    for (const m of primed.modules) m.b.forEach((_, i, b) => (b[i] = Math.sin(i + m.layer) * 0.3));
    model.lora = GpuLoraAdapter.upload(model.device, primed);
    const before = await model.logits([83, 97, 121]);
    const steps = await letterRun(model, { method: 'lora', steps: 3, lr: 3e-2, kl: 0.1, prompts: 2, group: 4 });
    // Step 0 samples from the starting adapter itself: policy = reference, so k3 is exactly 0.
    expect(steps[0].kl).toBe(0);
    expect(steps[2].kl).toBeGreaterThan(0);
    // The primed adapter is put back untouched.
    expect(await model.logits([83, 97, 121])).toEqual(before);
    model.destroy();
  });

  it("runs a Task's prompts, rewards and the rule annotator through the trainer and hands over every rollout", async () => {
    const model = await scratchModel(600);
    const problems: CountdownProblem[] = [
      { numbers: [3, 5, 7], target: 22 },
      { numbers: [2, 4, 6], target: 12 },
    ];
    const rollouts: TaskRollout[] = [];
    const metrics: RlStepMetrics[] = [];
    const outcome = await runTaskRl(
      model,
      {
        task: 'countdown',
        template: 'base',
        problems,
        steps: 3,
        prompts: 1,
        group: 2,
        lr: 1e-3,
        kl: 0,
        temperature: 1,
        maxTokens: 3,
        rank: 2,
        checkpointEvery: 0,
        seed: 2,
      },
      { onRollouts: (rows) => void rollouts.push(...rows), onStep: (m) => void metrics.push(m) },
    );
    expect(outcome.steps).toBe(3);
    expect(Object.keys(outcome.files).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(rollouts.map((r) => [r.step, r.problem.target])).toEqual([
      [0, 22],
      [0, 22],
      [1, 12],
      [1, 12],
      [2, 22],
      [2, 22],
    ]);
    for (const r of rollouts) {
      expect(r.prompt).toBe(renderPrompt(countdownTask, r.problem, 'base'));
      expect(r.reward).toBe(0); // three random bytes hold no <answer>
      expect(r.annotation?.annotator).toBe('rules');
      expect(r.tokens).toBeLessThanOrEqual(3);
    }
    expect(metrics[0]).toMatchObject({ step: 0, meanReward: 0, accuracy: 0, zeroStdFraction: 1 });
    expect(Object.keys(metrics[0].behaviors).sort()).toEqual(['backtracking', 'backward', 'subgoal', 'verification']);
    model.destroy();
  });

  it('rejects bad options naming the field, before any work', async () => {
    const model = await scratchModel();
    const run = (extra: object) =>
      runGrpo(model, {
        ...letterTask,
        prompts: 1,
        group: 2,
        lr: 1e-3,
        kl: 0,
        temperature: 1,
        maxTokens: 1,
        rank: 2,
        checkpointEvery: 0,
        seed: 1,
        steps: 1,
        ...extra,
      });
    await expect(run({ group: 1 })).rejects.toThrow(/"group" must be at least 2/);
    await expect(run({ temperature: 0 })).rejects.toThrow(/"temperature" must be positive/);
    await expect(run({ method: 'full', kl: 0.1 })).rejects.toThrow(/"kl" must be 0 with full training/);
    await expect(run({ problemPrompts: [] })).rejects.toThrow(/no problems/);
    model.destroy();
  });
});
