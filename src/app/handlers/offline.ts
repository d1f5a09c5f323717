// Cells that need no GPU: building priming datasets and annotating traces.
import { summarizeStep } from '../../behaviors/metrics.ts';
import { annotateSpans, RULES_ANNOTATOR_NAME } from '../../behaviors/rules.ts';
import { createJudgeAnnotator } from '../../behaviors/judgeAnnotator.ts';
import type { Annotation } from '../../behaviors/types.ts';
import type { CellContext, CellHandler } from '../../notebook/runner.ts';
import { buildPrimingDataset } from '../../priming/build.ts';
import { primingCondition } from '../../priming/conditions.ts';
import type { PrimingDataset } from '../../priming/types.ts';
import { annotateTraces, appendTraces, putDataset } from '../../store/traces.ts';
import type { DatasetRecord, TraceRecord } from '../../store/schema.ts';
import { ByteTokenizer } from '../../engine/tokenizer.ts';
import { toJson, type TracesOutput } from '../outputs.ts';
import { localGenerator } from './engine.ts';
import { datasetId, input, num, str, tracesOf, type HandlerEnv } from './env.ts';

/** Offline narrated search (or its derived controls); Claude and earlier traces are handled by their own cells. */
function datasetHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const source = str(ctx, 'source');
    if (source !== 'offline') throw new Error(`dataset source "${source}" needs the ${source === 'claude' ? 'Claude builder' : 'traces'} path, which this cell does not run yet`);
    const condition = primingCondition(str(ctx, 'condition'));
    const size = num(ctx, 'size', 100);
    ctx.progress({ what: 'traces', done: 0, total: size });
    // Lengths are matched in bytes: the tokenizer of Primer's scratch models.
    const bytes = new ByteTokenizer();
    const dataset = buildPrimingDataset({ condition: condition.name, count: size, seed: num(ctx, 'seed', 1), countTokens: (t) => bytes.encode(t).length });
    await putDataset(env.store, datasetRecord(ctx, dataset));
    // The traces also go to the traces store, annotated, so the notebook shows them with their behaviors.
    await appendTraces(env.store, dataset.traces.map((t) => ({
      model: `offline narrator`, task: 'countdown', problem: t.problem, prompt: t.prompt, completion: t.completion, reward: t.reward,
      correct: (t.reward >= 1 ? 1 : 0) as 0 | 1, annotations: [annotateSpans(t.problem, t.completion)], notebookId: ctx.notebookId, cellId: ctx.cell.id,
    })));
    ctx.progress({ what: 'traces', done: size, total: size });
    const m = summarizeStep(0, dataset.traces.map((t) => ({ completion: t.completion, reward: t.reward, annotation: { annotator: RULES_ANNOTATOR_NAME, spans: [], counts: t.counts } })));
    const output: TracesOutput = {
      type: 'traces', cellId: ctx.cell.id, count: dataset.traces.length, accuracy: m.accuracy, meanReward: m.meanReward,
      meanLength: m.meanLength, behaviors: m.behaviors, annotator: RULES_ANNOTATOR_NAME, model: 'offline narrator',
      datasetId: datasetId(ctx.notebookId, ctx.cell.id),
      notes: [`Priming dataset "${condition.name}": ${condition.description}`],
    };
    return toJson(output);
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
    traces: d.traces.map((t) => ({ problem: t.problem, prompt: t.prompt, completion: t.completion, correct: t.reward >= 1 })),
  };
}

async function annotations(env: HandlerEnv, ctx: CellContext, traces: TraceRecord[]): Promise<Annotation[]> {
  const who = str(ctx, 'annotator');
  if (who === 'rules') return traces.map((t) => annotateSpans(t.problem, t.completion));
  if (who === 'claude') {
    const apiKey = env.secrets?.get('anthropic');
    if (!apiKey) throw new Error('annotator: claude needs an Anthropic API key: add it under Settings');
    const model = str(ctx, 'claude_model', 'claude-haiku-4-5');
    const judge = createJudgeAnnotator({ judge: 'claude', apiKey, model, baseURL: env.anthropicBaseURL });
    return judge.annotate(traces.map((t) => ({ problem: t.problem, completion: t.completion })), ctx.signal);
  }
  const judge = createJudgeAnnotator({ judge: 'local', generator: await localGenerator(env, ctx, []) });
  return judge.annotate(traces.map((t) => ({ problem: t.problem, completion: t.completion })), ctx.signal);
}

function annotateHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const from = input(ctx, 'from');
    const all = await tracesOf(env, ctx, from.value, from.id);
    const traces = all.slice(0, num(ctx, 'limit', all.length));
    ctx.progress({ what: 'traces', done: 0, total: traces.length });
    const labels = await annotations(env, ctx, traces);
    await annotateTraces(env.store, traces.map((t, i) => ({ id: t.id, annotation: labels[i] })));
    ctx.progress({ what: 'traces', done: traces.length, total: traces.length });
    const m = summarizeStep(0, traces.map((t, i) => ({ completion: t.completion, reward: t.reward, annotation: labels[i] })));
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
    };
    return toJson(output);
  };
}

export function offlineHandlers(env: HandlerEnv): Record<'dataset' | 'annotate', CellHandler> {
  return { dataset: datasetHandler(env), annotate: annotateHandler(env) };
}
