// What a js cell's code can call (`nb`): the same functions the other cells use, and the solutions an earlier
// cell of its notebook stored. Pure functions only, so that the code can run in a Worker cut off from
// storage and the network (jsCell.worker.ts); `traces` is answered by whoever holds the store.
import { annotateSpans } from '../behaviors/rules.ts';
import { summarizeStep } from '../behaviors/metrics.ts';
import { paperPoints } from '../charts/paper.ts';
import type { JsonValue, TraceRecord } from '../store/schema.ts';
import { generateCountdownProblems } from '../tasks/countdown.ts';
import { countdownReward } from '../tasks/reward.ts';

export function notebookApi(traces: (cellId: string) => Promise<TraceRecord[]>) {
  return {
    reward: countdownReward,
    annotate: annotateSpans,
    problems: (count: number, seed = 1) => generateCountdownProblems({ count, seed }),
    summarize: summarizeStep,
    paper: paperPoints,
    /** The solutions an earlier cell of this notebook stored. */
    traces,
  };
}

export type NotebookApi = ReturnType<typeof notebookApi>;

/**
 * The researcher's own code, run as an async function of (inputs, params, nb): `inputs.<id>.value` holds the
 * result of each cell in `from`, `nb` the API above; the returned value (made JSON) becomes the output.
 */
export async function runCellCode(source: string, inputs: unknown, params: unknown, nb: NotebookApi) {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...a: unknown[]) => Promise<unknown>;
  const result = await new AsyncFunction('inputs', 'params', 'nb', source)(inputs, params, nb);
  return JSON.parse(JSON.stringify(result ?? null)) as JsonValue;
}
