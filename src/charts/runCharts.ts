// The charts the notebook shows: accuracy, each behavior and response length over RL steps, runs overlaid
// (with the paper's curves if asked), and the four behaviors of several models side by side.
import { BEHAVIORS, BEHAVIOR_LABELS, type Behavior, type BehaviorCounts } from '../behaviors/types.ts';
import type { StepMetrics } from '../behaviors/metrics.ts';
import { PAPER_CITATION, paperSeries, type PaperModel } from './paper.ts';
import type { BarChart, LineChart, LineSeries } from './spec.ts';

export interface RunCurve {
  label: string;
  steps: StepMetrics[];
}

export interface PaperOverlay {
  model: PaperModel;
  condition: string;
}

function series(run: RunCurve, pick: (m: StepMetrics) => number): LineSeries {
  return { label: run.label, points: run.steps.map((m) => [m.step, pick(m)]) };
}

export function accuracyChart(runs: RunCurve[], paper: PaperOverlay[] = []): LineChart {
  return {
    kind: 'line',
    title: 'Accuracy over RL steps',
    xLabel: 'RL step',
    yLabel: 'accuracy',
    yMin: 0,
    yMax: 1,
    series: [
      ...runs.map((r) => series(r, (m) => m.accuracy)),
      ...paper.map((p) => paperSeries(p.model, p.condition, 'accuracy')),
    ],
    note: paper.length ? `Dashed: ${PAPER_CITATION}` : undefined,
  };
}

export function lengthChart(runs: RunCurve[]): LineChart {
  return {
    kind: 'line',
    title: 'Response length over RL steps',
    xLabel: 'RL step',
    yLabel: 'characters',
    yMin: 0,
    series: runs.map((r) => series(r, (m) => m.meanLength)),
  };
}

/** Each behavior's mean count per response over steps, for one run (several runs: one chart each). */
export function behaviorChart(run: RunCurve, paper?: PaperOverlay): LineChart {
  return {
    kind: 'line',
    title: `Behaviors over RL steps: ${run.label}`,
    xLabel: 'RL step',
    yLabel: 'mean count per response',
    yMin: 0,
    series: [
      ...BEHAVIORS.map((b) => ({ ...series(run, (m) => m.behaviors[b]), label: BEHAVIOR_LABELS[b] })),
      ...(paper
        ? BEHAVIORS.map((b) => ({
            ...paperSeries(paper.model, paper.condition, b),
            label: `paper: ${BEHAVIOR_LABELS[b]}`,
          }))
        : []),
    ],
    note: paper ? `Dashed: ${PAPER_CITATION}` : undefined,
  };
}

/** The paper's Qwen-vs-Llama picture: each model's mean count per behavior, side by side. */
export function behaviorBars(
  models: { label: string; counts: BehaviorCounts }[],
  behaviors: readonly Behavior[] = BEHAVIORS,
): BarChart {
  return {
    kind: 'bar',
    title: 'Behaviors per response, by model',
    yLabel: 'mean count per response',
    categories: behaviors.map((b) => BEHAVIOR_LABELS[b]),
    series: models.map((m) => ({ label: m.label, values: behaviors.map((b) => m.counts[b]) })),
  };
}
