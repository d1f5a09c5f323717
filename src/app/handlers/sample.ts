// Sample cells, and compare cells that sample two models side by side: Countdown solutions stored in the
// traces store batch by batch, and streamed to the page (CellContext.live) as they are written.
import { summarizeStep, type ScoredCompletion } from '../../behaviors/metrics.ts';
import { annotateSpans } from '../../behaviors/rules.ts';
import { BEHAVIORS } from '../../behaviors/types.ts';
import type { CellContext, CellHandler } from '../../notebook/runner.ts';
import { appendTraces } from '../../store/traces.ts';
import type { CountdownProblem } from '../../tasks/types.ts';
import { toJson, type ModelOutput, type TracesOutput } from '../outputs.ts';
import { asModel, problemSet, problemsFor, promptsFor, samplerFor, taskOf, type Generate } from './engine.ts';
import { input, num, str, strings, type HandlerEnv } from './env.ts';

/** Solutions generated together: one batch fills one screen of the live view. */
const BATCH = 16;

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
  where: Column,
): Promise<ScoredCompletion[]> {
  const task = taskOf(ctx);
  const jobPrompts = await promptsFor(env, ctx, model, task, jobs);
  const rows: ScoredCompletion[] = [];
  for (let i = 0; i < jobs.length; i += BATCH) {
    const part = jobs.slice(i, i + BATCH);
    const prompts = jobPrompts.slice(i, i + BATCH);
    ctx.live({ type: 'rows', column: where.column, label: where.label, problems: part });
    const gens = await generate(prompts, {
      maxTokens: num(ctx, 'max_tokens', 256),
      temperature: num(ctx, 'temperature', 1),
      topP: num(ctx, 'top_p', 1),
      seed: num(ctx, 'seed', 1) + i,
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
    const ref = input(ctx, 'model');
    const model = asModel(ref.value, ref.id);
    const set = await problemSet(ctx, num(ctx, 'problems', 16), str(ctx, 'split', 'test'));
    const samples = num(ctx, 'samples', 1);
    const jobs = set.problems.flatMap((p) => Array.from({ length: samples }, () => p));
    const notes: string[] = [...set.notes];
    const generate = await samplerFor(env, ctx, model, notes);
    const onStored = solutionProgress(ctx, jobs.length);
    const column = { column: 0, label: ref.id, onStored, annotate: false };
    const rows = await sampleSolutions(env, ctx, model, generate, jobs, column);
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
  const ids = strings(ctx, 'models');
  const models = ids.map((id) => asModel(ctx.inputs[id]?.value ?? null, id));
  const split = str(ctx, 'split', 'test') === 'train' ? 'train' : 'test';
  const jobs = problemsFor(ctx, taskOf(ctx), num(ctx, 'problems', 8), split);
  // Every model is ready (loaded, or started in WebLLM) before any starts writing.
  const samplers: Generate[] = [];
  for (const model of models) samplers.push(await samplerFor(env, ctx, model, notes));
  const onStored = solutionProgress(ctx, jobs.length * models.length);
  const run = (model: ModelOutput, column: number) =>
    sampleSolutions(env, ctx, model, samplers[column], jobs, { column, label: ids[column], onStored, annotate: true });
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
