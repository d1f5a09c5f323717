// A prime or rl cell's training run around the engine: its run record, metrics per step, rollouts and
// checkpoints written as they come (the newest KEEP_CHECKPOINTS kept), progress shown from the first moment,
// and a run that stops on a fault (a full disk, a lost GPU) says so and where a re-run resumes from.
import type { StepMetrics } from '../../behaviors/metrics.ts';
import type { CellContext } from '../../notebook/runner.ts';
import {
  appendMetric,
  latestCheckpoint,
  pruneCheckpoints,
  putCheckpoint,
  putRun,
  setRunStatus,
} from '../../store/runs.ts';
import { adoptTraces, appendTraces } from '../../store/traces.ts';
import type { JsonObject } from '../../store/schema.ts';
import type { Store } from '../../store/db.ts';
import type { EngineEvent, Rollout, TrainHooks, TrainProgress, TrainResult } from '../engineService.ts';

/** Checkpoints kept per run as it goes: the newest (at the end, the final one) and the one before it. */
export const KEEP_CHECKPOINTS = 2;

export interface RunSpec {
  kind: 'prime' | 'rl';
  model: string;
  config: JsonObject;
  /** Optimizer steps the whole run takes. */
  total: number;
}

export interface RunOutcome {
  runId: string;
  result: TrainResult;
  steps: StepMetrics[];
  evals: StepMetrics[];
  /** The step this run resumed from, if it did. */
  resumedFrom?: number;
}

/** Writes made from events (metrics): settled before the run ends; the first that fails stops the run. */
class EventWrites {
  readonly stop = new AbortController();
  failure: unknown;
  #pending = new Set<Promise<void>>();

  add(write: Promise<void>): void {
    const settled = write
      .catch((err: unknown) => {
        this.failure ??= err;
        this.stop.abort();
      })
      .finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
  }

  async settle(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.failure) throw this.failure;
  }
}

/** Runs `train` with the run's record, metrics, rollouts and checkpoints in the store. */
export async function trainRun(
  store: Store,
  ctx: CellContext,
  spec: RunSpec,
  train: (resume: Uint8Array | undefined, hooks: TrainHooks) => Promise<TrainResult>,
): Promise<RunOutcome> {
  const runId = `${ctx.notebookId}/${ctx.cell.id}`;
  const show = stepProgress(ctx, spec.total);
  show({ step: 0, steps: spec.total, doing: 'looking for a checkpoint to resume from', within: 0 });
  const resumed = ctx.resumeFrom ? await latestCheckpoint(store, ctx.resumeFrom) : undefined;
  if (!resumed)
    await pruneCheckpoints(store, runId, 0); // a fresh run must not resume from an older one's
  // A resumed run keeps the rollouts of the steps before its checkpoint; the later ones are made again.
  else
    await adoptTraces(
      store,
      ctx.notebookId,
      ctx.cell.id,
      ctx.attempt,
      (t) => t.run === runId && (t.step ?? 0) < resumed.step,
    );
  const now = Date.now();
  await putRun(store, {
    id: runId,
    ...spec,
    notebookId: ctx.notebookId,
    cellId: ctx.cell.id,
    status: 'running',
    createdAt: now,
    updatedAt: now,
  });
  await ctx.saveCheckpoint(runId);
  const writes = new EventWrites();
  const steps: RunOutcome['steps'] = [];
  const evals: StepMetrics[] = [];
  let saved = resumed?.step ?? 0;
  const onEvent = (e: EngineEvent) => {
    if (e.type === 'progress') ctx.progress(e.progress);
    if (e.type === 'train') show(e.progress);
    if (e.type === 'eval') {
      evals.push(e.metrics);
      const values = { accuracy: e.metrics.accuracy, meanLength: e.metrics.meanLength, ...e.metrics.behaviors };
      writes.add(appendMetric(store, { runId: `${runId}/eval`, step: e.metrics.step, at: Date.now(), values }));
    }
    if (e.type !== 'step') return;
    steps.push(e.metrics);
    writes.add(appendMetric(store, { runId, step: e.metrics.step, at: Date.now(), values: numbers(e.metrics) }));
  };
  try {
    const result = await train(resumed ? new Uint8Array(resumed.data) : undefined, {
      signal: AbortSignal.any([ctx.signal, writes.stop.signal]),
      onEvent,
      onCheckpoint: async (step, bytes) => {
        const record = { runId, step, createdAt: Date.now(), meta: {}, data: bytes.slice().buffer };
        await putCheckpoint(store, record, KEEP_CHECKPOINTS);
        saved = step;
      },
      onRollouts: (rollouts) => storeRollouts(store, ctx, runId, taskName(spec), rollouts),
    });
    await writes.settle();
    return { runId, result, steps, evals, resumedFrom: resumed?.step };
  } catch (thrown) {
    const err = writes.failure ?? thrown;
    const status = ctx.signal.aborted ? 'cancelled' : 'error';
    const message = ctx.signal.aborted ? 'Cancelled' : stopMessage(err, saved);
    // Not awaited: the status is a courtesy (on a full disk it may not be saved either), and a busy store must
    // not hold up a cancel.
    void setRunStatus(store, runId, status, message).catch(() => {});
    throw Object.assign(new Error(message, { cause: err }), { name: nameOf(err) });
  }
}

/** A run's progress bar: whole steps done, what the current step is doing, and rate and time left once known. */
function stepProgress(ctx: CellContext, total: number): (p: TrainProgress) => void {
  const started = performance.now();
  let first: number | undefined;
  return (p) => {
    const done = p.step + p.within;
    first ??= done;
    const seconds = (performance.now() - started) / 1000;
    const rate = done > first && seconds > 0 ? (done - first) / seconds : undefined;
    ctx.progress({
      what: 'steps',
      done: p.step,
      total,
      rate,
      secondsLeft: rate ? (total - done) / rate : undefined,
      detail: `${p.step < total ? `step ${p.step + 1} of ${total}: ` : ''}${p.doing}`,
    });
  };
}

function numbers(metrics: object): Record<string, number> {
  const { behaviors, ...rest } = metrics as { behaviors?: object };
  return Object.fromEntries(
    Object.entries({ ...rest, ...behaviors }).filter((kv): kv is [string, number] => typeof kv[1] === 'number'),
  );
}

/** The task a run's rollouts are traces of (the cell's `task`; Countdown for runs made before tasks were named). */
function taskName(spec: RunSpec): string {
  return typeof spec.config.task === 'string' ? spec.config.task : 'countdown';
}

async function storeRollouts(
  store: Store,
  ctx: CellContext,
  runId: string,
  task: string,
  rollouts: Rollout[],
): Promise<void> {
  await appendTraces(
    store,
    rollouts.map((r) => ({
      model: ctx.cell.id,
      task,
      problem: r.problem,
      prompt: r.prompt,
      completion: r.completion,
      reward: r.reward,
      correct: (r.reward >= 1 ? 1 : 0) as 0 | 1,
      run: runId,
      step: r.step,
      notebookId: ctx.notebookId,
      cellId: ctx.cell.id,
      attempt: ctx.attempt,
    })),
  );
}

/** The fault's own words, and for faults a re-run gets past (space, the GPU), the step it resumes from. */
function stopMessage(err: unknown, saved: number): string {
  const message = err instanceof Error ? err.message : String(err);
  const again = saved > 0 ? `run the cell again to resume from step ${saved}` : 'run the cell again to start over';
  const name = nameOf(err);
  if (name === 'StorageFullError') return `${message} Then ${again}.`;
  if (name === 'GpuLostError' || name === 'GpuOutOfMemoryError') return `${message}; ${again}.`;
  return message;
}

function nameOf(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}
