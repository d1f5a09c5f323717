// The held-out measurement of an RL run, as the paper made it (behavioral_evals/generate_completions.py): the
// policy answers test problems at temperature 1 with the base prompt, and accuracy and behaviors are counted.
// The paper plots step 0 (before any update) and then the policy after update s, labelled s.
import { summarizeStep, type ScoredCompletion, type StepMetrics } from '../behaviors/metrics.ts';
import { annotateSpans } from '../behaviors/rules.ts';
import { generateIds } from '../engine/generate.ts';
import type { Decoder } from '../engine/model/decoder.ts';
import { countdownPrompt } from '../tasks/prompts.ts';
import { countdownReward } from '../tasks/reward.ts';
import type { CountdownProblem } from '../tasks/types.ts';

/** Held-out problems answered per generate call. */
const EVAL_BATCH = 16;

export interface EvalPlan {
  problems: CountdownProblem[];
  maxTokens: number;
  seed: number;
  /** Measure after every this many updates (and always at step 0 and after the last update). */
  every: number;
  /** The run's last step. */
  last: number;
}

/** Whether the policy after `step` updates is measured. */
export function evaluatesAt(plan: Pick<EvalPlan, 'every' | 'last'>, step: number): boolean {
  return step === 0 || step === plan.last || step % plan.every === 0;
}

/** Accuracy and behaviors of `policy` (as it is now) on the held-out problems, labelled `step`. */
export async function evaluatePolicy(
  policy: Decoder,
  step: number,
  plan: EvalPlan,
  signal?: AbortSignal,
): Promise<StepMetrics> {
  const rows: ScoredCompletion[] = [];
  for (let i = 0; i < plan.problems.length; i += EVAL_BATCH) {
    const part = plan.problems.slice(i, i + EVAL_BATCH);
    const prompts = part.map((p) => policy.tokenizer.encodePrompt(countdownPrompt(p, 'base')));
    const gens = await generateIds(policy, prompts, {
      maxTokens: plan.maxTokens,
      temperature: 1,
      seed: plan.seed + step * 1009 + i,
      signal,
    });
    gens.forEach((g, j) =>
      rows.push({
        completion: g.text,
        reward: countdownReward(g.text, part[j]),
        annotation: annotateSpans(part[j], g.text),
      }),
    );
  }
  return summarizeStep(step, rows);
}
