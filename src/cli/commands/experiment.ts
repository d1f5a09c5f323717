// `primer experiment offline [--set key=value ...] [--out DIR]` (`npm run experiment:offline`): runs the "Start
// here" notebook headless (up to its optional judge, which downloads a model), as `primer run` does, and writes
// results.json beside its outputs: per priming condition the behaviors after priming, held-out accuracy before
// and after RL with n and a 95% interval, the gain with its interval, each cell's time, the machine and which
// of the targets were met.
import { cpus, loadavg } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StepMetrics } from '../../behaviors/metrics.ts';
import { BEHAVIORS, type BehaviorCounts } from '../../behaviors/types.ts';
import type { CellState } from '../../notebook/runner.ts';
import { primerCells, type Notebook } from '../../notebook/types.ts';
import { resolveParams } from '../../notebook/validate.ts';
import { parseCommand, type CommandSpec } from '../args.ts';
import { runNotebookFile, spec as runSpec } from './run.ts';

export const OFFLINE_NOTEBOOK = 'notebooks/00-start-here-offline.md';
/** Where the notebook's optional judge begins: it downloads a model, so the experiment stops before it. */
const JUDGE_SECTION = '\n## An independent judge';

/** The notebook without its optional judge section, written into the run's folder, which it runs from. */
async function offlineNotebook(out: string): Promise<string> {
  const text = await readFile(OFFLINE_NOTEBOOK, 'utf8');
  const cut = text.indexOf(JUDGE_SECTION);
  const file = join(out, basename(OFFLINE_NOTEBOOK));
  await mkdir(out, { recursive: true });
  await writeFile(file, cut < 0 ? text : text.slice(0, cut + 1));
  return file;
}

/** The notebook's twin runs: the cells that prime and reinforce each condition. */
export const OFFLINE_CONDITIONS = [
  { condition: 'all_strategies', prime: 'primed', rl: 'rl' },
  { condition: 'empty_cot', prime: 'primed_empty', rl: 'rl_empty' },
] as const;

/** A share with its count and 95% Wilson interval. */
export interface Share {
  value: number;
  n: number;
  ci95: [number, number];
}

export function wilson(successes: number, n: number): Share {
  const z = 1.96;
  const p = n ? successes / n : 0;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return { value: p, n, ci95: n ? [Math.max(0, centre - half), Math.min(1, centre + half)] : [0, 1] };
}

/** after − before of two independent shares, with the 95% interval of the difference (normal approximation). */
export function gain(before: Share, after: Share): { value: number; ci95: [number, number] } {
  const v = (s: Share) => (s.value * (1 - s.value)) / Math.max(1, s.n);
  const half = 1.96 * Math.sqrt(v(before) + v(after));
  const value = after.value - before.value;
  return { value, ci95: [value - half, value + half] };
}

interface RlValue {
  evals?: (StepMetrics & { problems?: number })[];
}

function evalsOf(state: CellState | undefined, id: string): StepMetrics[] {
  const evals = (state?.value as RlValue | undefined)?.evals;
  if (!evals?.length) throw new Error(`cell "${id}" has no held-out evaluations (did it run with eval_problems?)`);
  return evals;
}

const seconds = (s: CellState | undefined) =>
  s?.startedAt !== undefined && s.finishedAt !== undefined ? Math.round((s.finishedAt - s.startedAt) / 1000) : null;

/** The results of one condition from its cells' outputs; `n` is the number of held-out problems per evaluation. */
export function conditionResult(
  outputs: Record<string, CellState>,
  cells: (typeof OFFLINE_CONDITIONS)[number],
  n: number,
) {
  const evals = evalsOf(outputs[cells.rl], cells.rl);
  const [first, last] = [evals[0], evals[evals.length - 1]];
  const share = (m: StepMetrics) => wilson(Math.round(m.accuracy * n), n);
  const before = share(first);
  const after = share(last);
  const shown: BehaviorCounts = first.shown ?? first.behaviors;
  return {
    condition: cells.condition,
    cells,
    behaviorsAfterPriming: Object.fromEntries(BEHAVIORS.map((b) => [b, shown[b]])) as BehaviorCounts,
    meanBehaviorCountsAfterPriming: first.behaviors,
    meanLengthAfterPriming: first.meanLength,
    accuracyBeforeRl: before,
    accuracyAfterRl: { ...after, step: last.step },
    gain: gain(before, after),
    seconds: { prime: seconds(outputs[cells.prime]), rl: seconds(outputs[cells.rl]) },
  };
}

export type ConditionResult = ReturnType<typeof conditionResult>;

/** The targets, each true or false. */
export function targets(primed: ConditionResult, empty: ConditionResult, totalSeconds: number) {
  return {
    behaviorsAfterAllStrategiesAtLeast80: BEHAVIORS.every((b) => primed.behaviorsAfterPriming[b] >= 0.8),
    behaviorsAfterEmptyCotAtMost10: BEHAVIORS.every((b) => empty.behaviorsAfterPriming[b] <= 0.1),
    primedGainBeyondInterval: primed.gain.ci95[0] > 0,
    primedGainAboveEmptyGain: primed.gain.value > empty.gain.value,
    notebookWithin30Minutes: totalSeconds <= 30 * 60,
  };
}

export const spec = {
  summary: "runs an experiment notebook headless and writes results.json (offline: notebook 00's twins)",
  positional: 'offline',
  flags: { set: runSpec.flags.set, out: runSpec.flags.out },
  notes: ["writes results.json beside the run's outputs: behaviors after priming, accuracy before and after RL"],
} as const satisfies CommandSpec;

export async function run(args: string[]): Promise<void> {
  const { values, positional } = parseCommand('experiment', spec, args);
  if (positional !== 'offline') throw new Error(`unknown experiment "${positional}" (known: offline)`);
  const started = Date.now();
  const load = loadavg();
  const out = values.out ?? join('primer-out', basename(OFFLINE_NOTEBOOK, '.md'));
  const file = await offlineNotebook(out);
  const { notebook, ok, outputs } = await runNotebookFile(file, { set: values.set, out, trust: false });
  const totalSeconds = Math.round((Date.now() - started) / 1000);
  const cellSeconds = Object.fromEntries(Object.entries(outputs).map(([id, s]) => [id, seconds(s)]));
  const results: Record<string, unknown> = {
    notebook: OFFLINE_NOTEBOOK,
    settings: values.set,
    startedAt: new Date(started).toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
    completed: ok,
    totalSeconds,
    cellSeconds,
    cellStatus: Object.fromEntries(Object.entries(outputs).map(([id, s]) => [id, s.error ?? s.status])),
  };
  if (ok) {
    const n = heldOutCount(notebook);
    const [primed, empty] = OFFLINE_CONDITIONS.map((c) => conditionResult(outputs, c, n));
    Object.assign(results, {
      heldOutProblems: n,
      conditions: [primed, empty],
      targets: targets(primed, empty, totalSeconds),
    });
  }
  const resultsFile = join(out, 'results.json');
  await writeFile(resultsFile, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${resultsFile}`);
  if (!ok) throw new Error('the notebook stopped at a failed cell (see above); results.json says which');
}

/** How many held-out problems each evaluation answered: the rl cells' eval_problems (the same for both). */
function heldOutCount(notebook: Notebook): number {
  const counts = OFFLINE_CONDITIONS.map(({ rl }) => {
    const cell = primerCells(notebook).find((c) => c.id === rl);
    const n = cell && resolveParams(cell, notebook.meta).eval_problems;
    if (typeof n !== 'number') throw new Error(`cell "${rl}" sets no eval_problems`);
    return n;
  });
  if (counts[0] !== counts[1])
    throw new Error(`the rl cells evaluate on different numbers of problems (${counts.join(', ')})`);
  return counts[0];
}
