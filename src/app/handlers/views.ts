// Cells that look at earlier results: chart, compare, table, and the researcher's own js.
import { BEHAVIORS, type BehaviorCounts } from '../../behaviors/types.ts';
import type { StepMetrics } from '../../behaviors/metrics.ts';
import { paperPoints, PAPER_MODEL_LABELS, type PaperModel, type PaperPoint } from '../../charts/paper.ts';
import type { ChartSpec, LineSeries } from '../../charts/spec.ts';
import { behaviorBars, type RunCurve } from '../../charts/runCharts.ts';
import { importedCurves } from '../../scaleout/import/toStore.ts';
import { PAPER_CITATION } from '../../charts/paper.ts';
import type { CellContext, CellHandler } from '../../notebook/runner.ts';
import type { JsonValue } from '../../store/schema.ts';
import { toJson, type TracesOutput } from '../outputs.ts';
import { tracesBy } from '../../store/traces.ts';
import { notebookApi, runCellCode } from '../notebookApi.ts';
import { input, num, str, strings, type HandlerEnv } from './env.ts';
import { sampleSideBySide } from './sample.ts';

/** A result's curve over steps: an rl cell's held-out evaluations (else its rollouts), or one point for a sample/annotate cell. */
export function stepsOf(value: JsonValue): StepMetrics[] {
  const v = value as { steps?: StepMetrics[]; evals?: StepMetrics[]; type?: string } & Partial<TracesOutput>;
  if (Array.isArray(v?.evals) && v.evals.length) return v.evals; // held-out accuracy, as the paper plots
  if (Array.isArray(v?.steps)) return v.steps;
  if (v?.type === 'traces') {
    return [
      {
        step: 0,
        accuracy: v.accuracy!,
        meanReward: v.meanReward!,
        meanLength: v.meanLength!,
        behaviors: v.behaviors ?? { verification: 0, backtracking: 0, subgoal: 0, backward: 0 },
      },
    ];
  }
  return [];
}

type Metric = 'accuracy' | 'response_length' | keyof BehaviorCounts | 'reward' | 'loss';

function pick(m: StepMetrics, metric: Metric): number | undefined {
  if (metric === 'accuracy') return m.accuracy;
  if (metric === 'response_length') return m.meanLength;
  if (metric === 'reward') return m.meanReward;
  if (metric === 'loss') return m.loss;
  return m.behaviors[metric];
}

function paperPick(p: PaperPoint, metric: Metric): number | undefined {
  if (metric === 'accuracy') return p.accuracy;
  if (metric === 'response_length') return p.length ?? undefined;
  if (metric === 'reward' || metric === 'loss') return undefined;
  return p[metric];
}

function paperRun(run: string): { model: PaperModel; condition: string; label: string } {
  const [model, condition] = run.split('/') as [PaperModel, string];
  if (!PAPER_MODEL_LABELS[model])
    throw new Error(`unknown paper run "${run}": write model/condition, e.g. llama-3.2-3b/all_strategies`);
  return { model, condition, label: `paper: ${PAPER_MODEL_LABELS[model]} ${condition}` };
}

function refIds(ctx: CellContext): string[] {
  const from = ctx.params.from;
  return (Array.isArray(from) ? from : [from]).map(String);
}

/** The notebook's own results named in `from`, then the runs imported into it (primer import-run, "Import a run"). */
async function curvesOf(env: HandlerEnv, ctx: CellContext): Promise<RunCurve[]> {
  const own = refIds(ctx).map((id) => ({ label: id, steps: stepsOf(ctx.inputs[id].value) }));
  return [...own, ...(await importedCurves(env.store, ctx.notebookId))];
}

function chartHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const curves = await curvesOf(env, ctx);
    const metrics = strings(ctx, 'y') as Metric[];
    const paper = strings(ctx, 'paper').map(paperRun);
    const style = str(ctx, 'style', 'line');
    const title = typeof ctx.params.title === 'string' ? ctx.params.title : metrics.join(', ');
    const charts: ChartSpec[] = metrics.map((metric) => {
      const series: LineSeries[] = curves.map(({ label, steps }) => ({
        label,
        points: steps.flatMap((m) =>
          pick(m, metric) === undefined ? [] : [[m.step, pick(m, metric)!] as [number, number]],
        ),
      }));
      for (const p of paper) {
        series.push({
          label: p.label,
          dashed: true,
          points: paperPoints(p.model, p.condition).flatMap((q) =>
            paperPick(q, metric) === undefined ? [] : [[q.step, paperPick(q, metric)!] as [number, number]],
          ),
        });
      }
      return {
        kind: 'line',
        title: metrics.length > 1 ? `${title}: ${metric}` : title,
        xLabel: 'step',
        yLabel: metric,
        series,
        yMin: 0,
        note: paper.length ? `Dashed: ${PAPER_CITATION}` : undefined,
      };
    });
    if (style === 'bar') {
      const last = curves.map(({ label, steps }) => ({
        label,
        counts: steps.at(-1)?.behaviors ?? {
          verification: 0,
          backtracking: 0,
          subgoal: 0,
          backward: 0,
        },
      }));
      return toJson({ type: 'chart', charts: [behaviorBars(last)] });
    }
    return toJson({ type: 'chart', charts });
  };
}

/** The last accuracy and behavior figures of each cell in `from`, then of each run imported into the notebook. */
async function rowsFrom(env: HandlerEnv, ctx: CellContext): Promise<Record<string, string | number>[]> {
  return (await curvesOf(env, ctx)).map(({ label, steps }) => {
    // An imported run's last step may hold only what its engine logged there: take the last step that has behaviors.
    const last = steps.findLast((m) => m.behaviors) ?? steps.at(-1);
    if (!last) throw new Error(`cell "${label}" has no accuracy or behavior results to compare`);
    return { run: label, accuracy: last.accuracy, ...last.behaviors, length: Math.round(last.meanLength ?? 0) };
  });
}

/** Compares earlier results (`from`), or samples `models` side by side on the same problems, live. */
function compareHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const step = num(ctx, 'paper_step', 0);
    const notes: string[] = [];
    const rows = ctx.params.models !== undefined ? await sampleSideBySide(env, ctx, notes) : await rowsFrom(env, ctx);
    for (const run of strings(ctx, 'paper').map(paperRun)) {
      const points = paperPoints(run.model, run.condition);
      const p = points.reduce(
        (best, q) => (Math.abs(q.step - step) < Math.abs(best.step - step) ? q : best),
        points[0],
      );
      rows.push({
        run: `${run.label} @${p.step}`,
        accuracy: p.accuracy,
        verification: p.verification,
        backtracking: p.backtracking,
        subgoal: p.subgoal,
        backward: p.backward,
        length: p.length ?? '',
      });
    }
    const bars = behaviorBars(
      rows.map((r) => ({
        label: String(r.run),
        counts: Object.fromEntries(BEHAVIORS.map((b) => [b, Number(r[b])])) as BehaviorCounts,
      })),
    );
    return toJson({ type: 'chart', charts: [bars], rows, notes: notes.length ? notes : undefined });
  };
}

function tableHandler(): CellHandler {
  return async (ctx) => {
    const from = input(ctx, 'from');
    const v = from.value as Partial<TracesOutput> | null;
    if (v?.type !== 'traces') throw new Error(`cell "${from.id}" has no traces to show`);
    return toJson({ ...(v as TracesOutput) });
  };
}

/**
 * The researcher's own code (notebookApi.ts says what it gets). In the browser it runs in a Worker cut off
 * from storage and the network, never on the page; in Node (`primer run --trust`) it runs in process.
 */
function jsHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const traces = (cellId: string) => tracesBy(env.store, 'cell', [ctx.notebookId, cellId]);
    if (typeof Worker === 'undefined') return runCellCode(ctx.cell.source, ctx.inputs, ctx.params, notebookApi(traces));
    const { runJsInWorker } = await import('../jsCellClient.ts');
    return runJsInWorker({
      source: ctx.cell.source,
      inputs: ctx.inputs,
      params: ctx.params,
      traces,
      signal: ctx.signal,
    });
  };
}

export function viewHandlers(env: HandlerEnv): Record<'chart' | 'compare' | 'table' | 'js', CellHandler> {
  return { chart: chartHandler(env), compare: compareHandler(env), table: tableHandler(), js: jsHandler(env) };
}
