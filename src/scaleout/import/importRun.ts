// Reads a veRL or TRL results folder into one run: a curve of held-out accuracy, reward, length and behaviors per
// step, plus a sample of each step's generations annotated by the rule annotator (handed to a sink in batches).
// Every file is read in slices (folder.ts, hyparquet for Parquet), so memory stays bounded by one line or row group.
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer } from 'hyparquet';
import { annotateSpans } from '../../behaviors/rules.ts';
import { BEHAVIORS, type Annotation } from '../../behaviors/types.ts';
import type { StepMetrics } from '../../behaviors/metrics.ts';
import { countdownReward } from '../../tasks/reward.ts';
import { MANIFEST } from '../job.ts';
import { lines, readText, type RunFile } from './folder.ts';
import {
  parseTrainerState,
  parseVerlConsoleLine,
  parseVerlFileLine,
  readGeneration,
  type Generation,
  type LoggedStep,
} from './formats.ts';

export interface ImportedTrace extends Generation {
  reward: number;
  annotation: Annotation;
}

export interface ImportOptions {
  /** Annotated generations kept per step (all of them are scored). */
  samplePerStep?: number;
  onTraces: (batch: ImportedTrace[]) => Promise<void>;
}

export interface ImportedRun {
  engine: 'verl' | 'trl' | 'jsonl';
  label: string;
  model?: string;
  /** Per step; a field a step has no data for is absent. */
  curve: StepMetrics[];
  generations: number;
  stored: number;
  /** What was read, and anything skipped with its reason. */
  notes: string[];
}

interface StepTotals {
  n: number;
  reward: number;
  correct: number;
  length: number;
  annotated: number;
  behaviors: Record<string, number>;
}

const HELD_OUT_ACCURACY = [/^val-core\/[^/]+\/acc\/mean@\d+$/, /^eval_rewards\/countdown_accuracy\/mean$/];
const TRAIN_ACCURACY = [/^rewards\/countdown_accuracy\/mean$/];
const REWARD = [/^val-core\/[^/]+\/reward\/mean@\d+$/, /^eval_reward$/, /^critic\/score\/mean$/, /^reward$/];
const LOSS = [/^actor\/pg_loss$/, /^loss$/];

function pick(values: Record<string, number>, patterns: RegExp[]): number | undefined {
  for (const pattern of patterns) {
    const key = Object.keys(values).find((k) => pattern.test(k));
    if (key !== undefined) return values[key];
  }
  return undefined;
}

class RunReader {
  readonly logged = new Map<number, Record<string, number>>();
  readonly totals = new Map<number, StepTotals>();
  readonly notes: string[] = [];
  generations = 0;
  stored = 0;
  #pending: ImportedTrace[] = [];

  constructor(readonly options: ImportOptions) {}

  log(entry: LoggedStep): void {
    this.logged.set(entry.step, { ...this.logged.get(entry.step), ...entry.values });
  }

  async generation(g: Generation): Promise<void> {
    const reward = countdownReward(g.completion, g.problem);
    const t = this.totals.get(g.step) ?? { n: 0, reward: 0, correct: 0, length: 0, annotated: 0, behaviors: {} };
    this.totals.set(g.step, t);
    t.n++;
    t.reward += reward;
    t.correct += reward >= 1 ? 1 : 0;
    t.length += g.completion.length;
    this.generations++;
    if (t.annotated >= (this.options.samplePerStep ?? 16)) return;
    const annotation = annotateSpans(g.problem, g.completion);
    t.annotated++;
    for (const b of BEHAVIORS) t.behaviors[b] = (t.behaviors[b] ?? 0) + annotation.counts[b];
    this.#pending.push({ ...g, reward, annotation });
    if (this.#pending.length >= 200) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    await this.options.onTraces(batch);
    this.stored += batch.length;
  }

  curve(): StepMetrics[] {
    const heldOut = [...this.logged.values()].some((v) => pick(v, HELD_OUT_ACCURACY) !== undefined);
    const steps = [...new Set([...this.logged.keys(), ...this.totals.keys()])].sort((a, b) => a - b);
    return steps.flatMap((step) => {
      const logged = this.logged.get(step) ?? {};
      const t = this.totals.get(step);
      const accuracy = pick(logged, heldOut ? HELD_OUT_ACCURACY : TRAIN_ACCURACY) ?? (t && t.correct / t.n);
      if (accuracy === undefined) return [];
      const point: Partial<StepMetrics> = { step, accuracy, meanReward: pick(logged, REWARD) ?? (t && t.reward / t.n) };
      const loss = pick(logged, LOSS);
      if (loss !== undefined) point.loss = loss;
      if (t) {
        point.meanLength = t.length / t.n;
        point.behaviors = Object.fromEntries(
          BEHAVIORS.map((b) => [b, (t.behaviors[b] ?? 0) / Math.max(1, t.annotated)]),
        ) as StepMetrics['behaviors'];
      }
      return [point as StepMetrics];
    });
  }
}

function asyncBuffer(file: RunFile): AsyncBuffer {
  return {
    byteLength: file.size,
    slice: async (start, end) => (await file.slice(start, end ?? file.size)).slice().buffer,
  };
}

async function readParquetGenerations(file: RunFile, reader: RunReader): Promise<void> {
  const buffer = asyncBuffer(file);
  const metadata = await parquetMetadataAsync(buffer);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
    for (const row of rows) await readRow(row, reader, file.path, 0);
    rowStart = rowEnd;
  }
}

async function readRow(row: Record<string, unknown>, reader: RunReader, where: string, step: number): Promise<void> {
  const g = readGeneration(row, step);
  if (typeof g === 'string') throw new Error(`${where}: ${g}`);
  await reader.generation(g);
}

/** A JSONL file: veRL's file logger when its lines are {step, data}, else generations. */
async function readJsonl(file: RunFile, reader: RunReader): Promise<void> {
  const stepInName = Number(/(\d+)\.jsonl$/.exec(file.path)?.[1] ?? 0);
  let n = 0;
  for await (const line of lines(file)) {
    n++;
    if (line.trim() === '') continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file.path} line ${n}: not valid JSON`);
    }
    const logged = parseVerlFileLine(row);
    if (logged) reader.log(logged);
    else await readRow(row, reader, `${file.path} line ${n}`, stepInName);
  }
}

async function readConsole(file: RunFile, reader: RunReader): Promise<void> {
  for await (const line of lines(file)) {
    const logged = parseVerlConsoleLine(line);
    if (logged) reader.log(logged);
  }
}

/** The trainer_state.json of the last checkpoint (or the output folder's own). */
function lastTrainerState(files: RunFile[]): RunFile | undefined {
  const states = files.filter((f) => f.path.endsWith('trainer_state.json'));
  const stepOf = (f: RunFile) => Number(/checkpoint-(\d+)/.exec(f.path)?.[1] ?? Infinity);
  return states.sort((a, b) => stepOf(a) - stepOf(b)).at(-1);
}

export async function importRun(files: RunFile[], options: ImportOptions): Promise<ImportedRun> {
  const reader = new RunReader(options);
  const manifestFile = files.find((f) => f.path === MANIFEST);
  const manifest = manifestFile
    ? (JSON.parse(await readText(manifestFile)) as { engine?: string; cell?: string; model?: string })
    : {};
  const state = lastTrainerState(files);
  if (state) for (const entry of parseTrainerState(await readText(state), state.path)) reader.log(entry);
  for (const file of files) {
    if (file.path.startsWith('data/') || file.path === 'countdown_reward_cases.jsonl') continue;
    if (file.path.endsWith('.jsonl')) await readJsonl(file, reader);
    else if (/\.(log|txt)$/.test(file.path)) await readConsole(file, reader);
    else if (file.path.endsWith('.parquet') && file.path.includes('completions'))
      await readParquetGenerations(file, reader);
    else continue;
    reader.notes.push(`read ${file.path}`);
  }
  await reader.flush();
  const curve = reader.curve();
  if (curve.length === 0)
    throw new Error(
      'found no metrics and no generations: expected veRL metrics.jsonl / console.log / generations/*.jsonl, or TRL trainer_state.json / completions/*.parquet',
    );
  if (files.some((f) => f.path.endsWith('adapter_config.json')))
    reader.notes.push('an adapter is in the folder: load it in a model cell (source: folder) to sample from it');
  const engine =
    manifest.engine === 'verl' || manifest.engine === 'trl'
      ? manifest.engine
      : state
        ? 'trl'
        : reader.logged.size > 0
          ? 'verl'
          : 'jsonl';
  return {
    engine,
    label: `${manifest.cell ?? 'imported'} (${engine})`,
    model: manifest.model,
    curve,
    generations: reader.generations,
    stored: reader.stored,
    notes: reader.notes,
  };
}
