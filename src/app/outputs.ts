// What each cell kind's handler returns as its stored output (JSON), and how the UI recognises it. Traces
// themselves live in the traces store; an output holds their summary and where to find them.
import type { StepMetrics } from '../behaviors/metrics.ts';
import type { BehaviorCounts } from '../behaviors/types.ts';
import type { ChartSpec } from '../charts/spec.ts';
import type { JsonValue } from '../store/schema.ts';
import type { TraceColumn } from '../notebook/cells.ts';
import type { ModelSpec } from './engineService.ts';

export interface TracesOutput {
  type: 'traces';
  /** The cell whose traces these are ([notebookId, cellId] in the traces store). */
  cellId: string;
  count: number;
  accuracy: number;
  meanReward: number;
  meanLength: number;
  behaviors?: BehaviorCounts;
  annotator?: string;
  model?: string;
  /** A priming set's id in the datasets store (dataset cells). */
  datasetId?: string;
  notes?: string[];
  /** How a table cell shows the traces: which parts, which answers, how many. */
  view?: TraceView;
}

export interface TraceView {
  columns: readonly TraceColumn[];
  filter: 'all' | 'correct' | 'incorrect';
  limit: number;
}

export interface ChartOutput {
  type: 'chart';
  charts: ChartSpec[];
  rows?: Record<string, string | number>[];
  notes?: string[];
}

export interface SummaryOutput {
  type: 'summary';
  title: string;
  fields: Record<string, string | number>;
  notes?: string[];
}

/** A model, or a training run's result: what to load again after a reload, and (runs) the step curve. */
export interface ModelOutput {
  type: 'model';
  /** The engine handle: the cell id of the model, prime or rl cell. */
  handle: string;
  /** The model cell this one builds on (itself for a model cell). */
  base: string;
  spec: ModelSpec;
  /** Who samples from it: Primer's engine, WebLLM, or WebLLM where it can (auto). */
  backend?: 'auto' | 'primer' | 'webllm';
  /** Where a trained result's files are kept (adapters store), absent for a plain model. */
  adapterId?: string;
  /** The prime or rl cell this one continues (its adapter is loaded first). */
  parent?: string;
  fields: Record<string, string | number>;
  runId?: string;
  steps?: StepMetrics[];
  /** rl: the policy on held-out problems every eval_every steps (the paper's accuracy). */
  evals?: StepMetrics[];
  charts?: ChartSpec[];
  /** rl only: where its rollouts are in the traces store. */
  cellId?: string;
  notes?: string[];
}

export type CellOutput = TracesOutput | ChartOutput | SummaryOutput | ModelOutput;

export function asCellOutput(value: JsonValue | undefined): CellOutput | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const type = value.type;
  return type === 'traces' || type === 'chart' || type === 'summary' || type === 'model'
    ? (value as unknown as CellOutput)
    : null;
}

/** Outputs are stored as JSON; these shapes are JSON by construction. */
export function toJson(output: CellOutput): JsonValue {
  return output as unknown as JsonValue;
}
