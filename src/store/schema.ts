// The shape of Primer's IndexedDB database 'primer': one record type per object store, and the idb
// DBSchema that types every read and write. Migrations (migrations.ts) build this layout step by step.
import type { DBSchema, StoreNames } from 'idb';
import type { CountdownProblem } from '../tasks/types.ts';
import type { Annotation } from '../behaviors/types.ts';
import type { ProgressReport } from '../engine/progress.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a notebook came from: js cells of 'file' and 'link' notebooks need the user's trust to run. */
export type NotebookOrigin = 'shipped' | 'file' | 'link' | 'user';

export interface NotebookRecord {
  id: string;
  title: string;
  /** The notebook's Markdown text (notebook/format.ts). */
  source: string;
  origin: NotebookOrigin;
  /** The user allowed this notebook's js cells to run. */
  trusted: boolean;
  createdAt: number;
  updatedAt: number;
}

export type { ProgressReport };

export type OutputStatus = 'running' | 'done' | 'error' | 'cancelled' | 'interrupted';

/** The result of one cell, keyed [notebookId, cellId]. */
export interface OutputRecord {
  notebookId: string;
  cellId: string;
  kind: string;
  status: OutputStatus;
  /** Hash of the cell's resolved params and its inputs' hashes: a changed hash means a stale output. */
  paramsHash: string;
  value?: JsonValue;
  error?: string;
  startedAt?: number;
  finishedAt?: number;
  progress?: ProgressReport;
  /** A resume key the handler saved (e.g. a run id); given back to it when an interrupted cell re-runs. */
  checkpoint?: string;
  /** Which run of the cell this is: its traces carry it, and storing it done drops the cell's other traces. */
  attempt?: string;
}

/** One generated solution. */
export interface TraceRecord {
  id: string;
  model: string;
  adapter?: string;
  task: string;
  problem: CountdownProblem;
  prompt: string;
  completion: string;
  reward: number;
  /** 1 when the answer is correct. A number, not a boolean, because IndexedDB cannot index booleans. */
  correct: 0 | 1;
  /** Several annotators (rules, judges) may label the same trace; one entry per annotator. */
  annotations?: Annotation[];
  run?: string;
  step?: number;
  notebookId: string;
  cellId: string;
  /** The run of the cell that made it (OutputRecord.attempt); a trace of an earlier run goes when a re-run is done. */
  attempt?: string;
  createdAt: number;
}

export interface DatasetTrace {
  problem: CountdownProblem;
  prompt: string;
  completion: string;
  correct?: boolean;
  annotation?: Annotation;
}

/** A priming dataset: metadata and its traces in one record (about a thousand traces). */
export interface DatasetRecord {
  id: string;
  name: string;
  /** e.g. "all_strategies"; the conditions are in priming/conditions.ts. */
  condition: string;
  /** How it was made: "offline", "claude" or "traces". */
  source: string;
  notebookId?: string;
  cellId?: string;
  createdAt: number;
  meta: JsonObject;
  traces: DatasetTrace[];
}

export type RunStatus = 'running' | 'done' | 'error' | 'cancelled' | 'interrupted';

/** A training run (priming SFT or RL); its per-step metrics live in 'metrics'. */
export interface RunRecord {
  id: string;
  kind: 'prime' | 'rl';
  model: string;
  notebookId?: string;
  cellId?: string;
  config: JsonObject;
  status: RunStatus;
  error?: string;
  createdAt: number;
  updatedAt: number;
}

/** One step of a run, keyed [runId, step], appended as it arrives. */
export interface MetricRecord {
  runId: string;
  step: number;
  at: number;
  values: Record<string, number>;
}

export interface AdapterRecord {
  id: string;
  name: string;
  model: string;
  runId?: string;
  createdAt: number;
  meta: JsonObject;
  data: ArrayBuffer;
}

/** Training state at a step (weights or adapter plus optimizer state), keyed [runId, step]. */
export interface CheckpointRecord {
  runId: string;
  step: number;
  createdAt: number;
  meta: JsonObject;
  data: ArrayBuffer;
}

export interface SettingRecord {
  key: string;
  value: JsonValue;
}

export const SECRET_NAMES = ['anthropic', 'huggingface'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Written only when the user chose "remember on this device". */
export interface SecretRecord {
  name: SecretName;
  value: string;
  savedAt: number;
}

/** A model folder dropped onto a `source: folder` model cell, as the directory handle Chromium gave for it. */
export interface FolderRecord {
  notebookId: string;
  cellId: string;
  handle: FileSystemDirectoryHandle;
  savedAt: number;
}

export interface PrimerSchema extends DBSchema {
  notebooks: { key: string; value: NotebookRecord; indexes: { updatedAt: number } };
  outputs: { key: [string, string]; value: OutputRecord; indexes: { notebookId: string } };
  traces: {
    key: string;
    value: TraceRecord;
    indexes: {
      model: string;
      notebookId: string;
      cell: [string, string];
      run: string;
      runStep: [string, number];
      correct: number;
    };
  };
  datasets: { key: string; value: DatasetRecord };
  runs: { key: string; value: RunRecord; indexes: { notebookId: string } };
  metrics: { key: [string, number]; value: MetricRecord };
  adapters: { key: string; value: AdapterRecord; indexes: { runId: string } };
  checkpoints: { key: [string, number]; value: CheckpointRecord };
  settings: { key: string; value: SettingRecord };
  secrets: { key: string; value: SecretRecord };
  folders: { key: [string, string]; value: FolderRecord };
}

export type StoreName = StoreNames<PrimerSchema>;
