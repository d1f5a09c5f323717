// What veRL and TRL write, read into one shape. Formats, from their sources at the pinned versions:
// - veRL v0.7.0 console logger (verl/utils/logger/aggregate_logger.py): "step:N - key:value - key:value", numbers
//   printed by pprint (numpy 2 prints np.float64(0.5)); Ray may prefix the line with "(TaskRunner pid=..)".
// - veRL file logger (verl/utils/tracking.py FileLogger): JSONL lines {"step": N, "data": {key: value}}.
// - veRL validation/rollout dumps (ray_trainer.py _dump_generations): DIR/STEP.jsonl, lines with input, output,
//   gts, score, step and the reward function's extra keys (acc).
// - TRL v1.9.0 trainer_state.json: log_history entries {step, reward, rewards/<fn>/mean, eval_..., loss, ...};
//   completions/completions_STEP.parquet (grpo_trainer.py): step, prompt, completion, one column per reward
//   function, advantage.
// - A JSONL of prompt, completion, reward, step (numbers/target optional).
import type { CountdownProblem } from '../../tasks/types.ts';

export type LoggedValues = Record<string, number>;

export interface LoggedStep {
  step: number;
  values: LoggedValues;
}

export interface Generation {
  step: number;
  prompt: string;
  completion: string;
  problem: CountdownProblem;
}

function numberText(text: string): number {
  const inner = /^np\.\w+\((.*)\)$/.exec(text.trim())?.[1] ?? text.trim();
  return inner === 'True' ? 1 : inner === 'False' ? 0 : Number(inner);
}

/** One veRL console line, or null when the line is not a metrics line. */
export function parseVerlConsoleLine(line: string): LoggedStep | null {
  const m = /(?:^|\s)step:(\d+) - (.*)$/.exec(line);
  if (!m) return null;
  const values: LoggedValues = {};
  for (const part of m[2].split(' - ')) {
    const colon = part.lastIndexOf(':');
    const value = numberText(part.slice(colon + 1));
    if (colon > 0 && Number.isFinite(value)) values[part.slice(0, colon)] = value;
  }
  return { step: Number(m[1]), values };
}

function numericEntries(record: Record<string, unknown>): LoggedValues {
  const values: LoggedValues = {};
  for (const [key, value] of Object.entries(record)) if (typeof value === 'number') values[key] = value;
  return values;
}

/** One line of veRL's file logger: {"step": N, "data": {...}}. */
export function parseVerlFileLine(row: Record<string, unknown>): LoggedStep | null {
  if (typeof row.step !== 'number' || typeof row.data !== 'object' || row.data === null) return null;
  return { step: row.step, values: numericEntries(row.data as Record<string, unknown>) };
}

/** TRL's log_history, merged by step (training and evaluation entries of a step are separate). */
export function parseTrainerState(text: string, where: string): LoggedStep[] {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const history = (state as { log_history?: unknown }).log_history;
  if (!Array.isArray(history)) throw new Error(`${where}: no log_history list (is this TRL's trainer_state.json?)`);
  const byStep = new Map<number, LoggedValues>();
  for (const entry of history as Record<string, unknown>[]) {
    if (typeof entry?.step !== 'number') continue;
    byStep.set(entry.step, { ...byStep.get(entry.step), ...numericEntries(entry) });
  }
  return [...byStep].map(([step, values]) => ({ step, values }));
}

const PROBLEM_IN_PROMPT = /Using the numbers \[([\d,\s]+)\], create an equation that equals (-?\d+)/;

/** The problem a Countdown prompt states (the paper's wording, which every exported prompt uses). */
export function problemFromPrompt(prompt: string): CountdownProblem | null {
  const m = PROBLEM_IN_PROMPT.exec(prompt);
  if (!m) return null;
  return { numbers: m[1].split(',').map((n) => Number(n.trim())), target: Number(m[2]) };
}

function isIntegerList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(Number(n)));
}

function problemFrom(row: Record<string, unknown>, prompt: string): CountdownProblem | null {
  const gts = (typeof row.gts === 'object' && row.gts !== null ? row.gts : row) as Record<string, unknown>;
  const numbers = gts.numbers ?? gts.nums;
  if (isIntegerList(numbers) && Number.isFinite(Number(gts.target)))
    return { numbers: numbers.map(Number), target: Number(gts.target) };
  return problemFromPrompt(prompt);
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  // Conversational rows: a list of messages.
  if (Array.isArray(v)) return v.map((m) => String((m as { content?: unknown })?.content ?? '')).join('\n');
  return null;
}

/**
 * A generation from any of the row shapes (veRL dump: input/output; TRL and JSONL: prompt/completion), or a
 * reason it is not one.
 */
export function readGeneration(row: Record<string, unknown>, fallbackStep: number): Generation | string {
  const prompt = text(row.prompt ?? row.input) ?? '';
  const completion = text(row.completion ?? row.output ?? row.response);
  if (completion === null) return 'no completion (or output) text';
  const problem = problemFrom(row, prompt);
  if (!problem) return 'no numbers/target, and the prompt does not state a Countdown problem';
  const step = Number(row.step ?? row.global_step ?? fallbackStep);
  return { step: Number.isFinite(step) ? step : fallbackStep, prompt, completion, problem };
}
