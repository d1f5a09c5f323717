// The paper's RL problems, HF Jiayi-Pan/Countdown-Tasks-3to4 (fields nums, target), read page by page from
// the public datasets-server when the network allows, else drawn from the local generator with the RL
// preset. The result says which of the two it is, so a run records where its problems came from.
import { COUNTDOWN_RL_PRESET, generateCountdownProblems } from './countdown.ts';
import type { CountdownProblem } from './types.ts';

export const COUNTDOWN_TASKS_DATASET = 'Jiayi-Pan/Countdown-Tasks-3to4';
const ROWS_URL = 'https://datasets-server.huggingface.co/rows';
const PAGE = 100; // the most rows datasets-server returns per request

export interface LoadOptions {
  count: number;
  /** First row of the train split to read (the paper trains on rows 0..327679 and tests on the next 1024). */
  offset?: number;
  /** Seed for the local fallback. */
  seed?: number;
  fetchFn?: typeof fetch;
  signal?: AbortSignal;
}

export interface LoadedProblems {
  problems: CountdownProblem[];
  /** Where they came from, in words, with the reason when it is the fallback. */
  source: string;
}

function readRow(value: unknown, index: number): CountdownProblem {
  const row = (value as { row?: { nums?: unknown; target?: unknown } } | null)?.row;
  const nums = row?.nums;
  if (!Array.isArray(nums) || !nums.every((n) => Number.isInteger(n)) || !Number.isInteger(row?.target)) {
    throw new Error(`row ${index} has no integer nums and target`);
  }
  return { numbers: nums as number[], target: row?.target as number };
}

async function fetchPage(
  offset: number,
  length: number,
  fetchFn: typeof fetch,
  signal?: AbortSignal,
): Promise<CountdownProblem[]> {
  const url = `${ROWS_URL}?dataset=${encodeURIComponent(COUNTDOWN_TASKS_DATASET)}&config=default&split=train&offset=${offset}&length=${length}`;
  const response = await fetchFn(url, { signal });
  if (!response.ok) throw new Error(`datasets-server answered ${response.status}`);
  const body = (await response.json()) as { rows?: unknown[] };
  if (!Array.isArray(body.rows)) throw new Error('datasets-server answer has no rows');
  return body.rows.map((r, i) => readRow(r, offset + i));
}

export async function loadCountdownTasks({
  count,
  offset = 0,
  seed = 0,
  fetchFn = fetch,
  signal,
}: LoadOptions): Promise<LoadedProblems> {
  try {
    const problems: CountdownProblem[] = [];
    while (problems.length < count) {
      const page = await fetchPage(offset + problems.length, Math.min(PAGE, count - problems.length), fetchFn, signal);
      if (page.length === 0) throw new Error(`the dataset ended after ${problems.length} rows`);
      problems.push(...page);
    }
    return { problems, source: `${COUNTDOWN_TASKS_DATASET} train rows ${offset}..${offset + count - 1}` };
  } catch (err) {
    signal?.throwIfAborted();
    const reason = err instanceof Error ? err.message : String(err);
    return {
      problems: generateCountdownProblems({ count, seed, preset: COUNTDOWN_RL_PRESET }),
      source: `local generator (preset ${COUNTDOWN_RL_PRESET.name}, seed ${seed}); ${COUNTDOWN_TASKS_DATASET} unavailable: ${reason}`,
    };
  }
}
