// Sample cells, and compare cells that sample two models side by side: Countdown solutions stored in the
// traces store batch by batch, and streamed to the page (CellContext.live) as they are written.
import { summarizeStep, type ScoredCompletion } from '../../behaviors/metrics.ts';
import { annotateSpans } from '../../behaviors/rules.ts';
import { BEHAVIORS } from '../../behaviors/types.ts';
import type { CellContext, CellHandler } from '../../notebook/runner.ts';
import { appendTraces } from '../../store/traces.ts';
import { taskNamed } from '../../tasks/registry.ts';
import type { PromptTemplate, Task } from '../../tasks/task.ts';
import type { CountdownProblem } from '../../tasks/types.ts';
import { toJson, type ModelOutput, type TracesOutput } from '../outputs.ts';
import { asModel, problemSet, promptsFor, samplerFor, type Generate } from './engine.ts';
import { inputOf, paramsOf, type HandlerEnv } from './env.ts';

/** Solutions generated together: one batch fills one screen of the live view. */
const BATCH = 16;

/** How a cell samples: its task and template, and the generation settings its fields give. */
interface Sampling {
  task: Task;
  template: PromptTemplate;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

interface Column {
  /** Where the solutions show in the live view (one column per model). */
  column: number;
  label: string;
  /** Called as each batch is stored, with how many solutions it held. */
  onStored: (count: number) => void;
  /** Rule annotations go into the stored traces (compare cells count behaviors). */
  annotate: boolean;
}

/** One model's solutions to `jobs`, batch by batch: each batch streams into its column and is stored as it ends. */
async function sampleSolutions(
  env: HandlerEnv,
  ctx: CellContext,
  model: ModelOutput,
  generate: Generate,
  jobs: CountdownProblem[],
  how: Sampling,
  where: Column,
): Promise<ScoredCompletion[]> {
  const task = how.task;
  const jobPrompts = await promptsFor(env, ctx, model, task, how.template, jobs);
  const rows: ScoredCompletion[] = [];
  for (let i = 0; i < jobs.length; i += BATCH) {
    const part = jobs.slice(i, i + BATCH);
    const prompts = jobPrompts.slice(i, i + BATCH);
    ctx.live({ type: 'rows', column: where.column, label: where.label, problems: part });
    const gens = await generate(prompts, {
      maxTokens: how.maxTokens,
      temperature: how.temperature,
      topP: how.topP,
      seed: how.seed + i,
      onText: (row, delta, tokens = 1) => ctx.live({ type: 'text', column: where.column, row, delta, tokens }),
    });
    const traces = part.map((problem, j) => {
      const completion = gens[j].text;
      const reward = task.reward(completion, problem);
      const annotation = where.annotate ? annotateSpans(task.hints(problem), completion) : undefined;
      rows.push({ completion, reward, annotation });
      return {
        model: model.handle,
        adapter: model.adapterId,
        task: task.name,
        problem,
        prompt: prompts[j],
        completion,
        reward,
        correct: (reward >= 1 ? 1 : 0) as 0 | 1,
        annotations: annotation && [annotation],
        notebookId: ctx.notebookId,
        cellId: ctx.cell.id,
        attempt: ctx.attempt,
      };
    });
    await appendTraces(env.store, traces);
    where.onStored(part.length);
  }
  return rows;
}

/** Progress over `total` solutions, reported as batches are stored. */
function solutionProgress(ctx: CellContext, total: number): (count: number) => void {
  const started = performance.now();
  let done = 0;
  return (count) => {
    done += count;
    const rate = done / ((performance.now() - started) / 1000);
    ctx.progress({ what: 'solutions', done, total, rate, secondsLeft: (total - done) / rate });
  };
}

export function sampleHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const p = paramsOf(ctx, 'sample');
    const ref = inputOf(ctx, p.model);
    const model = asModel(ref.value, ref.id);
    const task = taskNamed(p.task);
    const set = await problemSet(ctx, { task, problemSet: p.problem_set, seed: p.seed }, p.problems, p.split);
    const jobs = set.problems.flatMap((problem) => Array.from({ length: p.samples }, () => problem));
    const notes: string[] = [...set.notes];
    const generate = await samplerFor(env, ctx, model, notes);
    const onStored = solutionProgress(ctx, jobs.length);
    const column = { column: 0, label: ref.id, onStored, annotate: false };
    const how = {
      task,
      template: p.template,
      maxTokens: p.max_tokens,
      temperature: p.temperature,
      topP: p.top_p,
      seed: p.seed,
    };
    const rows = await sampleSolutions(env, ctx, model, generate, jobs, how, column);
    const m = summarizeStep(0, rows);
    const output: TracesOutput = {
      type: 'traces',
      cellId: ctx.cell.id,
      count: rows.length,
      accuracy: m.accuracy,
      meanReward: m.meanReward,
      meanLength: m.meanLength,
      model: model.handle,
      notes,
    };
    return toJson(output);
  };
}

/**
 * A compare cell's `models`, each sampled on the same problems and annotated by the rules: one row per model
 * (accuracy, behaviors per solution, length). Models on different weights stream at the same time, side by
 * side; two results of one model (its base and a trained adapter) share its weights, so they take turns.
 */
export async function sampleSideBySide(
  env: HandlerEnv,
  ctx: CellContext,
  notes: string[],
): Promise<Record<string, string | number>[]> {
  const p = paramsOf(ctx, 'compare');
  const ids = p.models ?? [];
  const models = ids.map((id) => asModel(inputOf(ctx, id).value, id));
  const task = taskNamed(p.task);
  // Held-out problems, as sample cells take by default.
  const jobs = task.problems('test', p.problems, p.seed);
  const how = {
    task,
    template: p.template,
    maxTokens: p.max_tokens,
    temperature: p.temperature,
    topP: 1,
    seed: p.seed,
  };
  // Every model is ready (loaded, or started in WebLLM) before any starts writing.
  const samplers: Generate[] = [];
  for (const model of models) samplers.push(await samplerFor(env, ctx, model, notes));
  const onStored = solutionProgress(ctx, jobs.length * models.length);
  const run = (model: ModelOutput, column: number) =>
    sampleSolutions(env, ctx, model, samplers[column], jobs, how, {
      column,
      label: ids[column],
      onStored,
      annotate: true,
    });
  const together = new Set(models.map((m) => m.base)).size === models.length;
  const results: ScoredCompletion[][] = [];
  if (together) results.push(...(await Promise.all(models.map(run))));
  else for (const [column, model] of models.entries()) results.push(await run(model, column));
  return results.map((rows, i) => {
    const m = summarizeStep(0, rows);
    const behaviors = Object.fromEntries(BEHAVIORS.map((b) => [b, m.behaviors[b]]));
    return { run: ids[i], accuracy: m.accuracy, ...behaviors, length: Math.round(m.meanLength) };
  });
}
