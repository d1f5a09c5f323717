// Training runs: the run record, its per-step metrics (appended one step at a time), adapters and
// checkpoints. Checkpoints are keyed [runId, step], so the latest one is the last key of the run.
import type { Store, WriteTx } from './db.ts';
import type { AdapterRecord, CheckpointRecord, MetricRecord, RunRecord, RunStatus } from './schema.ts';

export async function putRun(store: Store, run: RunRecord): Promise<void> {
  await store.write(`run ${run.id}`, ['runs'], async (tx) => {
    await tx.store.put(run);
  });
}

export function getRun(store: Store, id: string): Promise<RunRecord | undefined> {
  return store.idb.get('runs', id);
}

export function runsOfNotebook(store: Store, notebookId: string): Promise<RunRecord[]> {
  return store.idb.getAllFromIndex('runs', 'notebookId', notebookId);
}

export async function setRunStatus(store: Store, id: string, status: RunStatus, error?: string): Promise<void> {
  await store.write(`status of run ${id}`, ['runs'], async (tx) => {
    const run = await tx.store.get(id);
    if (!run) throw new Error(`No run with id "${id}"`);
    await tx.store.put({ ...run, status, error, updatedAt: Date.now() });
  });
}

/** Saves one step's metrics as soon as they exist. */
export async function appendMetric(store: Store, metric: MetricRecord): Promise<void> {
  await store.write(`metrics of run ${metric.runId} step ${metric.step}`, ['metrics'], async (tx) => {
    await tx.store.put(metric);
  });
}

/** A run's metrics in step order. */
export function metricsOf(store: Store, runId: string): Promise<MetricRecord[]> {
  return store.idb.getAll('metrics', runRange(runId));
}

export async function putAdapter(store: Store, adapter: AdapterRecord): Promise<void> {
  await store.write(`adapter "${adapter.name}" (${adapter.data.byteLength} bytes)`, ['adapters'], async (tx) => {
    await tx.store.put(adapter);
  });
}

export function getAdapter(store: Store, id: string): Promise<AdapterRecord | undefined> {
  return store.idb.get('adapters', id);
}

export async function deleteAdapter(store: Store, id: string): Promise<void> {
  await store.write(`deletion of adapter ${id}`, ['adapters'], async (tx) => {
    await tx.store.delete(id);
  });
}

/** Saves a checkpoint; with `keep`, the run's older checkpoints beyond the newest `keep` go in the same transaction. */
export async function putCheckpoint(store: Store, checkpoint: CheckpointRecord, keep?: number): Promise<void> {
  const what = `checkpoint of run ${checkpoint.runId} at step ${checkpoint.step} (${checkpoint.data.byteLength} bytes)`;
  await store.write(what, ['checkpoints'], async (tx) => {
    await tx.store.put(checkpoint);
    if (keep !== undefined) await deleteOlder(tx.store, checkpoint.runId, keep);
  });
}

export async function latestCheckpoint(store: Store, runId: string): Promise<CheckpointRecord | undefined> {
  const cursor = await store.idb.transaction('checkpoints').store.openCursor(runRange(runId), 'prev');
  return cursor?.value;
}

/** Deletes all but the newest `keep` checkpoints of a run, to bound the space a long run takes. */
export async function pruneCheckpoints(store: Store, runId: string, keep: number): Promise<number> {
  return store.write(`pruning of checkpoints of run ${runId}`, ['checkpoints'], (tx) =>
    deleteOlder(tx.store, runId, keep),
  );
}

async function deleteOlder(checkpoints: WriteTx<['checkpoints']>['store'], runId: string, keep: number) {
  const keys = await checkpoints.getAllKeys(runRange(runId));
  const doomed = keys.slice(0, Math.max(0, keys.length - keep));
  await Promise.all(doomed.map((key) => checkpoints.delete(key)));
  return doomed.length;
}

/** Every [runId, step] key of one run. */
function runRange(runId: string): IDBKeyRange {
  return IDBKeyRange.bound([runId, -Infinity], [runId, Infinity]);
}
