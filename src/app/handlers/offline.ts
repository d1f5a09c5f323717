// Cells that need no GPU: building priming datasets and annotating traces.
import { summarizeStep } from '../../behaviors/metrics.ts';
import { annotateSpans, RULES_ANNOTATOR_NAME } from '../../behaviors/rules.ts';
import type { Annotation } from '../../behaviors/types.ts';
import type { CellParamsOf } from '../../notebook/cells.ts';
import type { CellContext, CellHandler } from '../../notebook/runner.ts';
import { buildPrimingDataset, primingTrace } from '../../priming/build.ts';
import { buildClaudePriming, problemKey } from '../../priming/claudeBuilder.ts';
import { isDerivable, primingCondition, type DerivableCondition } from '../../priming/conditions.ts';
import { deriveControl, type CountTokensMany } from '../../priming/controls.ts';
import type { PrimingDataset, PrimingTrace } from '../../priming/types.ts';
import { adoptTraces, annotateTraces, appendTraces, getDataset, putDataset, tracesBy } from '../../store/traces.ts';
import { taskNamed } from '../../tasks/registry.ts';
import type { Task } from '../../tasks/task.ts';
import type { DatasetRecord, TraceRecord } from '../../store/schema.ts';
import { agreementNotes, judgeTraces, type TraceJudge } from '../judgeTraces.ts';
import { toJson, type TracesOutput } from '../outputs.ts';
import { asModel, engineOf, ensureLoaded, localGenerator } from './engine.ts';
import { datasetId, inputOf, paramsOf, tracesOf, type HandlerEnv } from './env.ts';

/** A dataset cell: offline narrated search (or its derived controls), Claude, or traces an earlier cell made. */
function datasetHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const p = paramsOf(ctx, 'dataset');
    const { source, size, condition } = p;
    ctx.progress({ what: 'traces', done: 0, total: size });
    const dataset = isDerivable(condition)
      ? await derivedDataset(env, ctx, p, condition)
      : source === 'offline'
        ? offlineDataset(p, condition)
        : source === 'claude'
          ? await claudeDataset(env, ctx, p)
          : await tracesDataset(env, ctx, p);
    await putDataset(env.store, datasetRecord(ctx, dataset));
    if (source !== 'claude') await storeTraces(env, ctx, dataset.traces); // Claude's are stored as they arrive
    ctx.progress({ what: 'traces', done: dataset.traces.length, total: size });
    const m = summarizeStep(
      0,
      dataset.traces.map((t) => ({
        completion: t.completion,
        reward: t.reward,
        annotation: { annotator: RULES_ANNOTATOR_NAME, spans: [], counts: t.counts },
      })),
    );
    const made = primingCondition(dataset.condition);
    const output: TracesOutput = {
      type: 'traces',
      cellId: ctx.cell.id,
      count: dataset.traces.length,
      accuracy: m.accuracy,
      meanReward: m.meanReward,
      meanLength: m.meanLength,
      behaviors: m.behaviors,
      annotator: RULES_ANNOTATOR_NAME,
      model: dataset.source === 'claude' ? String(dataset.notes?.model ?? 'claude') : `${source} traces`,
      datasetId: datasetId(ctx.notebookId, ctx.cell.id),
      notes: [`Priming dataset "${made.name}" (${source}): ${made.description}`],
    };
    return toJson(output);
  };
}

/** The task whose priming problems a dataset cell narrates, and whose prompt its traces carry. */
function datasetTask(ctx: CellContext): Task {
  return taskNamed(paramsOf(ctx, 'dataset').task);
}

function offlineDataset(p: CellParamsOf<'dataset'>, condition: string): PrimingDataset {
  return buildPrimingDataset({ condition, count: p.size, seed: p.seed, task: taskNamed(p.task) });
}

/**
 * A control made from the dataset `from` names (a Claude-written one included), as the paper made its controls
 * from its all_strategies set; without `from`, from offline all_strategies (incorrect_only: offline failures).
 * length_matched counts tokens in the tokenizer of the model being primed (`model`).
 */
async function derivedDataset(
  env: HandlerEnv,
  ctx: CellContext,
  p: CellParamsOf<'dataset'>,
  condition: DerivableCondition,
): Promise<PrimingDataset> {
  if (p.from === undefined && condition === 'incorrect_only') return offlineDataset(p, condition);
  const base = p.from !== undefined ? await namedDataset(env, ctx, p.from) : offlineDataset(p, 'all_strategies');
  const derived = await deriveControl(condition, base, await modelTokenCounter(env, ctx, p.model));
  if (derived.traces.length === 0)
    throw new Error(`cell "${String(p.from)}" has no traces that fit ${condition} (none has a wrong answer)`);
  const traces = derived.traces.slice(0, p.size);
  return { ...derived, traces, problems: traces.map((t) => t.problem) };
}

/** The dataset `from` names: a dataset cell's stored set, or the traces another cell made. */
async function namedDataset(env: HandlerEnv, ctx: CellContext, id: string): Promise<PrimingDataset> {
  const from = inputOf(ctx, id);
  const stored = await getDataset(env.store, datasetId(ctx.notebookId, from.id));
  const rows = stored?.traces ?? (await tracesOf(env, ctx, from.value, from.id));
  if (rows.length === 0) throw new Error(`cell "${from.id}" has no traces to derive a control from`);
  const traces = rows.map((t) => primingTrace(t.problem, t.completion, datasetTask(ctx)));
  return {
    condition: stored ? primingCondition(stored.condition).name : 'all_strategies',
    source: stored?.source === 'claude' ? 'claude' : 'offline',
    createdAt: new Date().toISOString(),
    problems: traces.map((t) => t.problem),
    traces,
    notes: { from: from.id },
  };
}

/** Token counts in the tokenizer of the model cell `model` names (loaded in the engine), if one is named. */
async function modelTokenCounter(
  env: HandlerEnv,
  ctx: CellContext,
  id: string | undefined,
): Promise<CountTokensMany | undefined> {
  if (id === undefined) return undefined;
  const ref = inputOf(ctx, id);
  const model = asModel(ref.value, ref.id);
  await ensureLoaded(env, ctx, model);
  return (texts) => engineOf(env).countTokens(model.handle, texts);
}

/** The traces go to the traces store too, annotated, so the notebook shows them with their behaviors. */
async function storeTraces(
  env: HandlerEnv,
  ctx: CellContext,
  traces: readonly PrimingTrace[],
  model = 'offline narrator',
): Promise<void> {
  await appendTraces(
    env.store,
    traces.map((t) => ({
      model,
      task: datasetTask(ctx).name,
      problem: t.problem,
      prompt: t.prompt,
      completion: t.completion,
      reward: t.reward,
      correct: (t.reward >= 1 ? 1 : 0) as 0 | 1,
      annotations: [annotateSpans(t.problem, t.completion)],
      notebookId: ctx.notebookId,
      cellId: ctx.cell.id,
      attempt: ctx.attempt,
    })),
  );
}

/** Claude writes the traces (the paper's way); each kept one is stored at once, and a re-run continues. */
async function claudeDataset(env: HandlerEnv, ctx: CellContext, p: CellParamsOf<'dataset'>): Promise<PrimingDataset> {
  const apiKey = env.secrets?.get('anthropic');
  if (!apiKey) throw new Error('source: claude needs an Anthropic API key: add it under Keys on the home screen');
  const model = p.claude_model;
  await adoptTraces(env.store, ctx.notebookId, ctx.cell.id, ctx.attempt, () => true); // paid for: a re-run continues
  const earlier = await tracesBy(env.store, 'cell', [ctx.notebookId, ctx.cell.id]);
  const previous = earlier.map((t) => primingTrace(t.problem, t.completion, taskNamed(p.task)));
  return buildClaudePriming({
    apiKey,
    baseURL: env.anthropicBaseURL,
    model,
    condition: primingCondition(p.condition).name,
    count: p.size,
    previous,
    signal: ctx.signal,
    problems: taskNamed(p.task).problems('priming', p.size * 3, p.seed),
    skip: new Set(earlier.map((t) => problemKey(t.problem))),
    onOutcome: async (o) => (o.kind === 'kept' ? storeTraces(env, ctx, [o.trace], model) : undefined),
    onProgress: (p) =>
      ctx.progress({ what: `traces (US$${(p.costUsd ?? 0).toFixed(2)} so far)`, done: p.kept, total: p.target }),
  });
}

/** Traces an earlier cell produced (e.g. a model's own samples); incorrect_only keeps the wrong ones. */
async function tracesDataset(env: HandlerEnv, ctx: CellContext, p: CellParamsOf<'dataset'>): Promise<PrimingDataset> {
  const from = inputOf(ctx, p.from);
  const condition = primingCondition(p.condition);
  const rows = (await tracesOf(env, ctx, from.value, from.id)).filter(
    (t) => condition.answers === 'correct' || t.reward < 1,
  );
  const traces = rows.slice(0, p.size).map((t) => primingTrace(t.problem, t.completion, taskNamed(p.task)));
  if (traces.length === 0) throw new Error(`cell "${from.id}" has no traces that fit ${condition.name}`);
  return {
    condition: condition.name,
    source: 'offline',
    createdAt: new Date().toISOString(),
    problems: traces.map((t) => t.problem),
    traces,
    notes: { from: from.id },
  };
}

function datasetRecord(ctx: CellContext, d: PrimingDataset): DatasetRecord {
  return {
    id: datasetId(ctx.notebookId, ctx.cell.id),
    name: `${d.condition} (${d.source})`,
    condition: d.condition,
    source: d.source,
    notebookId: ctx.notebookId,
    cellId: ctx.cell.id,
    createdAt: Date.now(),
    meta: { ...(d.notes ?? {}) },
    traces: d.traces.map((t) => ({
      problem: t.problem,
      prompt: t.prompt,
      completion: t.completion,
      correct: t.reward >= 1,
    })),
  };
}

async function annotations(
  env: HandlerEnv,
  ctx: CellContext,
  p: CellParamsOf<'annotate'>,
  traces: TraceRecord[],
): Promise<Annotation[]> {
  const judge: TraceJudge =
    p.annotator === 'rules'
      ? { annotator: 'rules' }
      : p.annotator === 'claude'
        ? {
            annotator: 'claude',
            apiKey: env.secrets?.get('anthropic'),
            model: p.claude_model,
            baseURL: env.anthropicBaseURL,
          }
        : { annotator: 'local', generator: await localGenerator(env, ctx, p.model, []) };
  return judgeTraces(judge, traces, ctx.signal);
}

function annotateHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const p = paramsOf(ctx, 'annotate');
    const from = inputOf(ctx, p.from);
    const all = await tracesOf(env, ctx, from.value, from.id);
    const traces = all.slice(0, p.limit ?? all.length);
    ctx.progress({ what: 'traces', done: 0, total: traces.length });
    const labels = await annotations(env, ctx, p, traces);
    await annotateTraces(
      env.store,
      traces.map((t, i) => ({ id: t.id, annotation: labels[i] })),
    );
    ctx.progress({ what: 'traces', done: traces.length, total: traces.length });
    const m = summarizeStep(
      0,
      traces.map((t, i) => ({ completion: t.completion, reward: t.reward, annotation: labels[i] })),
    );
    const output: TracesOutput = {
      type: 'traces',
      cellId: traces[0]?.cellId ?? from.id,
      count: traces.length,
      accuracy: m.accuracy,
      meanReward: m.meanReward,
      meanLength: m.meanLength,
      behaviors: m.behaviors,
      annotator: labels[0]?.annotator ?? RULES_ANNOTATOR_NAME,
      model: traces[0]?.model,
      notes: p.annotator === 'rules' ? undefined : agreementNotes(traces, labels),
    };
    return toJson(output);
  };
}

export function offlineHandlers(env: HandlerEnv): Record<'dataset' | 'annotate', CellHandler> {
  return { dataset: datasetHandler(env), annotate: annotateHandler(env) };
}
