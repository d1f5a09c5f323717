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
import { toJson, type TraceView, type TracesOutput } from '../outputs.ts';
import { tracesBy } from '../../store/traces.ts';
import { notebookApi, runCellCode } from '../notebookApi.ts';
import { inputOf, paramsOf, type HandlerEnv } from './env.ts';
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

/** A point when both coordinates exist. */
function pair(x: number | undefined, y: number | undefined): [number, number][] {
  return x === undefined || y === undefined ? [] : [[x, y]];
}

/** The notebook's own results named in `from`, then the runs imported into it (primer import-run, "Import a run"). */
async function curvesOf(env: HandlerEnv, ctx: CellContext, from: readonly string[]): Promise<RunCurve[]> {
  const own = from.map((id) => ({ label: id, steps: stepsOf(inputOf(ctx, id).value) }));
  return [...own, ...(await importedCurves(env.store, ctx.notebookId))];
}

function chartHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const p = paramsOf(ctx, 'chart');
    const curves = await curvesOf(env, ctx, p.from);
    const metrics = p.y as readonly Metric[];
    const paper = p.paper.map(paperRun);
    const title = p.title ?? metrics.join(', ');
    const xOf = (m: StepMetrics) => (p.x === 'step' ? m.step : pick(m, p.x));
    const paperX = (q: PaperPoint) => (p.x === 'step' ? q.step : paperPick(q, p.x));
    const charts: ChartSpec[] = metrics.map((metric) => {
      const series: LineSeries[] = curves.map(({ label, steps }) => ({
        label,
        points: steps.flatMap((m) => pair(xOf(m), pick(m, metric))),
      }));
      for (const run of paper) {
        series.push({
          label: run.label,
          dashed: true,
          points: paperPoints(run.model, run.condition).flatMap((q) => pair(paperX(q), paperPick(q, metric))),
        });
      }
      return {
        kind: 'line',
        title: metrics.length > 1 ? `${title}: ${metric}` : title,
        xLabel: p.x,
        yLabel: metric,
        series,
        yMin: 0,
        note: paper.length ? `Dashed: ${PAPER_CITATION}` : undefined,
      };
    });
    if (p.style === 'bar') {
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
async function rowsFrom(
  env: HandlerEnv,
  ctx: CellContext,
  from: readonly string[],
): Promise<Record<string, string | number>[]> {
  return (await curvesOf(env, ctx, from)).map(({ label, steps }) => {
    // An imported run's last step may hold only what its engine logged there: take the last step that has behaviors.
    const last = steps.findLast((m) => m.behaviors) ?? steps.at(-1);
    if (!last) throw new Error(`cell "${label}" has no accuracy or behavior results to compare`);
    return { run: label, accuracy: last.accuracy, ...last.behaviors, length: Math.round(last.meanLength ?? 0) };
  });
}

/** Only the metrics a compare cell asks for, in its order, after the run's name. */
function keep(row: Record<string, string | number>, metrics: readonly Metric[]): Record<string, string | number> {
  const value = (m: Metric) => row[m === 'response_length' ? 'length' : m] ?? '';
  return {
    run: row.run,
    ...Object.fromEntries(metrics.map((m) => [m === 'response_length' ? 'length' : m, value(m)])),
  };
}

/** Compares earlier results (`from`), or samples `models` side by side on the same problems, live. */
function compareHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const p = paramsOf(ctx, 'compare');
    const step = p.paper_step;
    const notes: string[] = [];
    const rows =
      p.models !== undefined ? await sampleSideBySide(env, ctx, notes) : await rowsFrom(env, ctx, p.from ?? []);
    for (const run of p.paper.map(paperRun)) {
      const points = paperPoints(run.model, run.condition);
      const nearest = points.reduce(
        (best, q) => (Math.abs(q.step - step) < Math.abs(best.step - step) ? q : best),
        points[0],
      );
      rows.push({
        run: `${run.label} @${nearest.step}`,
        accuracy: nearest.accuracy,
        verification: nearest.verification,
        backtracking: nearest.backtracking,
        subgoal: nearest.subgoal,
        backward: nearest.backward,
        length: nearest.length ?? '',
      });
    }
    const metrics = p.metrics as readonly Metric[];
    const behaviors = BEHAVIORS.filter((b) => metrics.includes(b));
    const bars = behaviorBars(
      rows.map((r) => ({
        label: String(r.run),
        counts: Object.fromEntries(BEHAVIORS.map((b) => [b, Number(r[b])])) as BehaviorCounts,
      })),
      behaviors,
    );
    return toJson({
      type: 'chart',
      charts: behaviors.length ? [bars] : [],
      rows: rows.map((r) => keep(r, metrics)),
      notes: notes.length ? notes : undefined,
    });
  };
}

function tableHandler(): CellHandler {
  return async (ctx) => {
    const { from: id, columns, filter, limit } = paramsOf(ctx, 'table');
    const from = inputOf(ctx, id);
    const v = from.value as Partial<TracesOutput> | null;
    if (v?.type !== 'traces') throw new Error(`cell "${from.id}" has no traces to show`);
    const view: TraceView = { columns, filter, limit };
    return toJson({ ...(v as TracesOutput), view });
  };
}

/**
 * The researcher's own code (notebookApi.ts says what it gets). In the browser it runs in a Worker cut off
 * from storage and the network, never on the page; in Node (`primer run --trust`) it runs in process.
 */
function jsHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const traces = (cellId: string) => tracesBy(env.store, 'cell', [ctx.notebookId, cellId]);
    (paramsOf(ctx, 'js').from ?? []).forEach((id) => inputOf(ctx, id)); // every input the code may read is there
    // The code gets all of its cell's params, its own fields included: they are the code's to read.
    const run = { source: ctx.cell.source, inputs: ctx.inputs, params: ctx.params, traces, signal: ctx.signal };
    if (typeof Worker === 'undefined') return runCellCode(run.source, run.inputs, run.params, notebookApi(traces));
    const { runJsInWorker } = await import('../jsCellClient.ts');
    return runJsInWorker(run);
  };
}

export function viewHandlers(env: HandlerEnv): Record<'chart' | 'compare' | 'table' | 'js', CellHandler> {
  return { chart: chartHandler(env), compare: compareHandler(env), table: tableHandler(), js: jsHandler(env) };
}
