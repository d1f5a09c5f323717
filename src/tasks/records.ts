// Reads a Countdown trace out of one JSON record, whatever wrote it: our own traces, TRL rollouts
// (prompt/completion, the completion maybe a list of messages), veRL dumps (response, reward_model.ground_truth)
// or the public dataset (nums, target).
import type { Trace } from './types.ts';
import { parseNumberList } from './countdown.ts';

type Row = Record<string, unknown>;

const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at the first of the dotted paths that is present. */
function pick(row: Row, paths: string[]): unknown {
  for (const path of paths) {
    let v: unknown = row;
    for (const key of path.split('.')) v = isRow(v) ? v[key] : undefined;
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

const NUMBER_FIELDS = [
  'numbers',
  'nums',
  'ground_truth.numbers',
  'reward_model.ground_truth.numbers',
  'problem.numbers',
];
const TARGET_FIELDS = ['target', 'ground_truth.target', 'reward_model.ground_truth.target', 'problem.target'];
const COMPLETION_FIELDS = ['completion', 'response', 'output', 'generation', 'generated_text'];

function readNumbers(v: unknown, where: string): number[] {
  if (typeof v === 'string') return parseNumberList(v);
  if (Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n))) return v as number[];
  throw new Error(`${where}: numbers must be a list of integers, got ${JSON.stringify(v)}`);
}

function readCompletionText(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((m) => isRow(m) && typeof m.content === 'string')) {
    return v.map((m) => (m as Row).content as string).join('');
  }
  throw new Error(`${where}: the completion must be a string or a list of {"content": string} messages`);
}

/** The trace in a record; `where` ("file line 3") starts every error message. */
export function traceFromRecord(row: unknown, where: string): Trace {
  if (!isRow(row)) throw new Error(`${where}: expected a JSON object`);
  const numbers = pick(row, NUMBER_FIELDS);
  if (numbers === undefined) throw new Error(`${where}: no numbers (looked for ${NUMBER_FIELDS.join(', ')})`);
  const target = Number(pick(row, TARGET_FIELDS));
  if (!Number.isFinite(target)) throw new Error(`${where}: no numeric target (looked for ${TARGET_FIELDS.join(', ')})`);
  const completion = pick(row, COMPLETION_FIELDS);
  if (completion === undefined) throw new Error(`${where}: no completion (looked for ${COMPLETION_FIELDS.join(', ')})`);
  return {
    problem: { numbers: readNumbers(numbers, where), target },
    completion: readCompletionText(completion, where),
  };
}
