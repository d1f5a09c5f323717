// Generated traces (one record per solution, appended as they are scored) and priming datasets.
import type { IndexKey, IndexNames } from 'idb';
import { putAll, type Store } from './db.ts';
import type { Annotation } from '../behaviors/types.ts';
import type { DatasetRecord, PrimerSchema, TraceRecord } from './schema.ts';

/** A trace as a sampler produces it; appendTraces fills in id and createdAt when missing. */
export type NewTrace = Omit<TraceRecord, 'id' | 'createdAt'> & { id?: string; createdAt?: number };

export type TraceIndex = IndexNames<PrimerSchema, 'traces'>;

/** Writes a batch of traces in one transaction: all of the batch is saved, or none of it. */
export async function appendTraces(store: Store, traces: readonly NewTrace[]): Promise<TraceRecord[]> {
  const now = Date.now();
  const records = traces.map((trace): TraceRecord => ({
    ...trace,
    id: trace.id ?? crypto.randomUUID(),
    createdAt: trace.createdAt ?? now,
  }));
  await store.write(`${records.length} traces`, ['traces'], async (tx) => {
    await putAll(records, (record) => tx.store.put(record));
  });
  return records;
}

/** Makes the cell's traces that `keep` picks part of run `attempt`, so that its done output keeps them. */
export async function adoptTraces(
  store: Store,
  notebookId: string,
  cellId: string,
  attempt: string,
  keep: (trace: TraceRecord) => boolean,
): Promise<void> {
  await store.write(`traces of cell "${cellId}"`, ['traces'], async (tx) => {
    // One getAll, not a cursor (putOutput says why).
    for (const trace of await tx.store.index('cell').getAll([notebookId, cellId]))
      if (keep(trace) && trace.attempt !== attempt) await tx.store.put({ ...trace, attempt });
  });
}

export function getTrace(store: Store, id: string): Promise<TraceRecord | undefined> {
  return store.idb.get('traces', id);
}

/**
 * Traces by one index: 'model' (name), 'notebookId', 'cell' ([notebookId, cellId]), 'run' (run id),
 * 'runStep' ([run, step]) or 'correct' (0 or 1).
 */
export function tracesBy<I extends TraceIndex>(
  store: Store,
  index: I,
  key: IndexKey<PrimerSchema, 'traces', I> | IDBKeyRange,
  limit?: number,
): Promise<TraceRecord[]> {
  return store.idb.getAllFromIndex('traces', index, key, limit);
}

export function countTracesBy<I extends TraceIndex>(
  store: Store,
  index: I,
  key: IndexKey<PrimerSchema, 'traces', I> | IDBKeyRange,
): Promise<number> {
  return store.idb.countFromIndex('traces', index, key);
}

/** Adds each annotation to its trace, replacing an earlier one by the same annotator. */
export async function annotateTraces(
  store: Store,
  updates: readonly { id: string; annotation: Annotation }[],
): Promise<void> {
  await store.write(`annotations of ${updates.length} traces`, ['traces'], async (tx) => {
    for (const { id, annotation } of updates) {
      const trace = await tx.store.get(id);
      if (!trace) throw new Error(`Cannot annotate trace "${id}": no such trace`);
      const others = (trace.annotations ?? []).filter((a) => a.annotator !== annotation.annotator);
      await tx.store.put({ ...trace, annotations: [...others, annotation] });
    }
  });
}

export async function putDataset(store: Store, dataset: DatasetRecord): Promise<void> {
  await store.write(`dataset "${dataset.name}" (${dataset.traces.length} traces)`, ['datasets'], async (tx) => {
    await tx.store.put(dataset);
  });
}

export function getDataset(store: Store, id: string): Promise<DatasetRecord | undefined> {
  return store.idb.get('datasets', id);
}

export type DatasetSummary = Omit<DatasetRecord, 'traces'> & { size: number };

/** Every dataset's metadata and size, without its traces. */
export async function listDatasets(store: Store): Promise<DatasetSummary[]> {
  const summaries: DatasetSummary[] = [];
  for (
    let cursor = await store.idb.transaction('datasets').store.openCursor();
    cursor;
    cursor = await cursor.continue()
  ) {
    const { traces, ...meta } = cursor.value;
    summaries.push({ ...meta, size: traces.length });
  }
  return summaries;
}

export async function deleteDataset(store: Store, id: string): Promise<void> {
  await store.write(`deletion of dataset ${id}`, ['datasets'], async (tx) => {
    await tx.store.delete(id);
  });
}
