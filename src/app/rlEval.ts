// The held-out measurement of an RL run, as the paper made it (behavioral_evals/generate_completions.py): the
// policy answers test problems at temperature 1, and accuracy and behaviors are counted. The prompt is the
// task's under the run's own template, so a chat-template run is measured on the prompt it trains on.
// The paper plots step 0 (before any update) and then the policy after update s, labelled s.
import { summarizeStep, type ScoredCompletion, type StepMetrics } from '../behaviors/metrics.ts';
import { annotateSpans } from '../behaviors/rules.ts';
import { generateIds } from '../engine/generate.ts';
import type { Decoder } from '../engine/model/decoder.ts';
import { taskNamed } from '../tasks/registry.ts';
import { chatTemplateOf, renderPrompt, type PromptTemplate } from '../tasks/task.ts';
import type { CountdownProblem } from '../tasks/types.ts';

/**
 * Most held-out problems answered per generate call: much of a decode step's cost is fixed (its dispatches), so
 * a small model's step of 256 rows took about 2.5 times one of 64 on SwiftShader, not 4 times; a large model is
 * held back by EVAL_CACHE_BYTES.
 */
const EVAL_BATCH = 256;
/** ...as long as their KV cache stays under this many bytes (a large model answers fewer at a time). */
const EVAL_CACHE_BYTES = 256 * 2 ** 20;

/** Problems per generate call: up to EVAL_BATCH, fewer when their KV cache would pass EVAL_CACHE_BYTES. */
export function evalBatch(config: Decoder['config'], maxPositions: number): number {
  const rowBytes = maxPositions * config.numLayers * 2 * config.numKvHeads * config.headDim * 4;
  return Math.max(1, Math.min(EVAL_BATCH, Math.floor(EVAL_CACHE_BYTES / rowBytes)));
}

export interface EvalPlan {
  task: string;
  template: PromptTemplate;
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

/** The prompt text of each problem as this model is given it: the task's, under the template. */
export function taskPrompts(
  model: Decoder,
  task: string,
  problems: CountdownProblem[],
  template: PromptTemplate,
): string[] {
  const t = taskNamed(task);
  const chat = chatTemplateOf(model.tokenizer);
  return problems.map((p) => renderPrompt(t, p, template, chat));
}

/** Accuracy and behaviors of `policy` (as it is now) on the held-out problems, labelled `step`. */
export async function evaluatePolicy(
  policy: Decoder,
  step: number,
  plan: EvalPlan,
  signal?: AbortSignal,
): Promise<StepMetrics> {
  const task = taskNamed(plan.task);
  const prompts = taskPrompts(policy, plan.task, plan.problems, plan.template);
  const rows: ScoredCompletion[] = [];
  const encoded = prompts.map((p) => policy.tokenizer.encodePrompt(p));
  const batch = evalBatch(policy.config, Math.max(...encoded.map((e) => e.length)) + plan.maxTokens);
  for (let i = 0; i < plan.problems.length; i += batch) {
    const ids = encoded.slice(i, i + batch);
    const gens = await generateIds(policy, ids, {
      maxTokens: plan.maxTokens,
      temperature: 1,
      seed: plan.seed + step * 1009 + i,
      signal,
    });
    gens.forEach((g, j) => {
      const problem = plan.problems[i + j];
      rows.push({
        completion: g.text,
        reward: task.reward(g.text, problem),
        annotation: annotateSpans(task.hints(problem), g.text),
      });
    });
  }
  return summarizeStep(step, rows);
}
