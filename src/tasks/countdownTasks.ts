// The paper's RL problems, HF Jiayi-Pan/Countdown-Tasks-3to4 (fields nums, target), read page by page from
// the public datasets-server when the network allows, else drawn from the local generator: fitted to the ranges
// measured on the rows read before (numbers, targets, the mix of 3 and 4 numbers), or its RL preset where none
// were. The result says which, so a run records where its problems came from. Pages are kept in a cache (Cache
// Storage in the browser, as models are), so a set is downloaded once; the result gives the bytes it took, and
// the measured ranges can be set beside the generator's preset.
import { COUNTDOWN_RL_PRESET, generateCountdownProblems, type CountdownPreset } from './countdown.ts';
import type { CountdownProblem } from './types.ts';

export const COUNTDOWN_TASKS_DATASET = 'Jiayi-Pan/Countdown-Tasks-3to4';
const ROWS_URL = 'https://datasets-server.huggingface.co/rows';
/** The paper's split of the train rows: the first 327,680 train RL, the next 1,024 test it. */
export const PAPER_TRAIN_ROWS = 327_680;
export const PAPER_TEST_ROWS = 1_024;

/** Where pages are kept between runs, keyed by URL. */
export interface PageCache {
  get(url: string): Promise<string | undefined>;
  put(url: string, body: string): Promise<void>;
}

/** The browser's Cache Storage ("primer-datasets"), where there is one. */
export function browserPageCache(): PageCache | undefined {
  if (typeof caches === 'undefined') return undefined;
  const open = () => caches.open('primer-datasets');
  return {
    get: async (url) => (await (await open()).match(url))?.text(),
    put: async (url, body) => (await open()).put(url, new Response(body)),
  };
}
const PAGE = 100; // the most rows datasets-server returns per request

export interface LoadOptions {
  count: number;
  /** First row of the train split to read (the paper trains on rows 0..327679 and tests on the next 1024). */
  offset?: number;
  /** Seed for the local fallback. */
  seed?: number;
  fetchFn?: typeof fetch;
  signal?: AbortSignal;
  /** The datasets-server rows endpoint (tests point it at a local server). */
  rowsUrl?: string;
  cache?: PageCache;
}

export interface LoadedProblems {
  problems: CountdownProblem[];
  /** Where they came from, in words, with the reason when it is the fallback. */
  source: string;
  /** Bytes of the pages these rows came in, and how many of them were downloaded now (the rest were cached). */
  bytes?: number;
  downloadedBytes?: number;
}

function readRow(value: unknown, index: number): CountdownProblem {
  const row = (value as { row?: { nums?: unknown; target?: unknown } } | null)?.row;
  const nums = row?.nums;
  if (!Array.isArray(nums) || !nums.every((n) => Number.isInteger(n)) || !Number.isInteger(row?.target)) {
    throw new Error(`row ${index} has no integer nums and target`);
  }
  return { numbers: nums as number[], target: row?.target as number };
}

interface Page {
  problems: CountdownProblem[];
  bytes: number;
  downloaded: boolean;
}

async function fetchPage(offset: number, length: number, o: LoadOptions): Promise<Page> {
  const url = `${o.rowsUrl ?? ROWS_URL}?dataset=${encodeURIComponent(COUNTDOWN_TASKS_DATASET)}&config=default&split=train&offset=${offset}&length=${length}`;
  let text = await o.cache?.get(url);
  const downloaded = text === undefined;
  if (text === undefined) {
    const response = await (o.fetchFn ?? fetch)(url, { signal: o.signal });
    if (!response.ok) throw new Error(`datasets-server answered ${response.status}`);
    text = await response.text();
  }
  const body = JSON.parse(text) as { rows?: unknown[] };
  if (!Array.isArray(body.rows)) throw new Error('datasets-server answer has no rows');
  const problems = body.rows.map((r, i) => readRow(r, offset + i));
  if (downloaded) await o.cache?.put(url, text); // only a page that read well is kept
  return { problems, bytes: new TextEncoder().encode(text).length, downloaded };
}

export async function loadCountdownTasks(options: LoadOptions): Promise<LoadedProblems> {
  const { count, offset = 0, seed = 0, signal } = options;
  try {
    const problems: CountdownProblem[] = [];
    let [bytes, downloadedBytes] = [0, 0];
    while (problems.length < count) {
      const page = await fetchPage(offset + problems.length, Math.min(PAGE, count - problems.length), options);
      if (page.problems.length === 0) throw new Error(`the dataset ended after ${problems.length} rows`);
      problems.push(...page.problems);
      bytes += page.bytes;
      if (page.downloaded) downloadedBytes += page.bytes;
    }
    await keepMeasuredRanges(options, measureRanges(problems));
    const source = `${COUNTDOWN_TASKS_DATASET} train rows ${offset}..${offset + count - 1}`;
    return { problems, source, bytes, downloadedBytes };
  } catch (err) {
    signal?.throwIfAborted();
    const reason = err instanceof Error ? err.message : String(err);
    const measured = await measuredRanges(options);
    const preset = measured ? fittedPreset(measured) : COUNTDOWN_RL_PRESET;
    return {
      problems: generateCountdownProblems({ count, seed, preset }),
      source: `local generator (preset ${preset.name}, seed ${seed}); ${COUNTDOWN_TASKS_DATASET} unavailable: ${reason}`,
    };
  }
}

/** Where the ranges measured on the most rows read so far are kept, beside the pages. */
function rangesKey(o: LoadOptions): string {
  return `${o.rowsUrl ?? ROWS_URL}?dataset=${encodeURIComponent(COUNTDOWN_TASKS_DATASET)}&measured-ranges`;
}

async function measuredRanges(o: LoadOptions): Promise<MeasuredRanges | undefined> {
  const text = await o.cache?.get(rangesKey(o)).catch(() => undefined);
  return text ? (JSON.parse(text) as MeasuredRanges) : undefined;
}

async function keepMeasuredRanges(o: LoadOptions, measured: MeasuredRanges): Promise<void> {
  const kept = await measuredRanges(o);
  if (!kept || measured.rows > kept.rows) await o.cache?.put(rangesKey(o), JSON.stringify(measured));
}

/** The generator's preset with the ranges and the mix of sizes measured on a data set's rows. */
export function fittedPreset(measured: MeasuredRanges): CountdownPreset {
  const sizes = Object.keys(measured.sizes)
    .map(Number)
    .sort((a, b) => a - b);
  const total = sizes.reduce((sum, n) => sum + measured.sizes[n], 0);
  return {
    name: `fitted to ${measured.rows} rows of ${COUNTDOWN_TASKS_DATASET}`,
    sizes,
    sizeShares: sizes.map((n) => measured.sizes[n] / total),
    numberRange: measured.numberRange,
    targetRange: measured.targetRange,
  };
}

export interface MeasuredRanges {
  rows: number;
  /** Share of problems with each count of numbers. */
  sizes: Record<number, number>;
  numberRange: [number, number];
  targetRange: [number, number];
}

export function measureRanges(problems: CountdownProblem[]): MeasuredRanges {
  const numbers = problems.flatMap((p) => p.numbers);
  const targets = problems.map((p) => p.target);
  const sizes: Record<number, number> = {};
  for (const p of problems) sizes[p.numbers.length] = (sizes[p.numbers.length] ?? 0) + 1 / problems.length;
  return {
    rows: problems.length,
    sizes,
    numberRange: [Math.min(...numbers), Math.max(...numbers)],
    targetRange: [Math.min(...targets), Math.max(...targets)],
  };
}

/** Where a generator preset differs from ranges measured on real rows, in words (empty when it fits them). */
export function presetDifferences(preset: CountdownPreset, measured: MeasuredRanges): string[] {
  const out: string[] = [];
  const range = (what: string, mine: [number, number], theirs: [number, number]) => {
    if (mine[0] !== theirs[0] || mine[1] !== theirs[1])
      out.push(`${what}: generator ${mine[0]}-${mine[1]}, data set ${theirs[0]}-${theirs[1]} (${measured.rows} rows)`);
  };
  range('numbers', preset.numberRange, measured.numberRange);
  range('targets', preset.targetRange, measured.targetRange);
  const sizes = Object.keys(measured.sizes).map(Number).sort();
  const share = sizes.map((n) => `${n}: ${(100 * measured.sizes[n]).toFixed(0)}%`).join(', ');
  if (
    sizes.join() !== [...preset.sizes].sort().join() ||
    sizes.some((n) => Math.abs(measured.sizes[n] - 1 / sizes.length) > 0.1)
  )
    out.push(`numbers per problem: generator ${preset.sizes.join(' or ')} evenly, data set ${share}`);
  return out;
}
