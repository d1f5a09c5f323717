// Notebooks, their cell outputs, and settings.
import type { Store } from './db.ts';
import type { JsonValue, NotebookOrigin, NotebookRecord, OutputRecord } from './schema.ts';

export interface NewNotebook {
  id: string;
  title: string;
  source: string;
  origin: NotebookOrigin;
  trusted?: boolean;
}

/** Saves a notebook's text; keeps createdAt and trust of an existing record unless given. */
export async function saveNotebook(store: Store, notebook: NewNotebook): Promise<NotebookRecord> {
  return store.write(`notebook "${notebook.title}"`, ['notebooks'], async (tx) => {
    const old = await tx.store.get(notebook.id);
    const now = Date.now();
    const record: NotebookRecord = {
      ...notebook,
      trusted: notebook.trusted ?? old?.trusted ?? false,
      createdAt: old?.createdAt ?? now,
      updatedAt: now,
    };
    await tx.store.put(record);
    return record;
  });
}

export interface ImportedNotebook {
  title: string;
  source: string;
  origin: 'file' | 'link';
  /** The id to start from (a file's base name); a number is added until the id is free. */
  baseId: string;
  /** A notebook the user chose to replace: it is deleted with its outputs, in the same transaction. */
  replaces?: string;
}

/**
 * Stores a notebook from a file or a link under an id of its own, untrusted: nothing it replaces (outputs,
 * trust, kept folders) carries over to it.
 */
export async function importNotebook(store: Store, notebook: ImportedNotebook): Promise<NotebookRecord> {
  return store.write(`notebook "${notebook.title}"`, ['notebooks', 'outputs', 'folders'], async (tx) => {
    const notebooks = tx.objectStore('notebooks');
    if (notebook.replaces) {
      await notebooks.delete(notebook.replaces);
      await tx.objectStore('outputs').delete(notebookRange(notebook.replaces));
      await tx.objectStore('folders').delete(notebookRange(notebook.replaces));
    }
    let id = notebook.baseId;
    for (let n = 2; await notebooks.getKey(id); n++) id = `${notebook.baseId}-${n}`;
    const now = Date.now();
    const { title, source, origin } = notebook;
    const record: NotebookRecord = { id, title, source, origin, trusted: false, createdAt: now, updatedAt: now };
    await notebooks.put(record);
    return record;
  });
}

export function getNotebook(store: Store, id: string): Promise<NotebookRecord | undefined> {
  return store.idb.get('notebooks', id);
}

/** All notebooks, most recently changed first. */
export async function listNotebooks(store: Store): Promise<NotebookRecord[]> {
  return (await store.idb.getAllFromIndex('notebooks', 'updatedAt')).reverse();
}

export async function setTrusted(store: Store, id: string, trusted: boolean): Promise<void> {
  await store.write(`trust for notebook ${id}`, ['notebooks'], async (tx) => {
    const record = await tx.store.get(id);
    if (!record) throw new Error(`No notebook with id "${id}"`);
    await tx.store.put({ ...record, trusted });
  });
}

/**
 * "Reset this notebook to the shipped version": the text goes back to `shippedSource`. Outputs stay;
 * the runner reuses those whose params still match and marks the others stale.
 */
export async function resetNotebook(
  store: Store,
  id: string,
  title: string,
  shippedSource: string,
): Promise<NotebookRecord> {
  return saveNotebook(store, { id, title, source: shippedSource, origin: 'shipped', trusted: false });
}

/** Deletes a notebook, its outputs and its kept model folders (traces and runs it made are kept). */
export async function deleteNotebook(store: Store, id: string): Promise<void> {
  await store.write(`deletion of notebook ${id}`, ['notebooks', 'outputs', 'folders'], async (tx) => {
    await tx.objectStore('notebooks').delete(id);
    await tx.objectStore('outputs').delete(notebookRange(id));
    await tx.objectStore('folders').delete(notebookRange(id));
  });
}

export function getOutputs(store: Store, notebookId: string): Promise<OutputRecord[]> {
  return store.idb.getAllFromIndex('outputs', 'notebookId', notebookId);
}

/**
 * Stores a cell's output. A done output of a run (one with an attempt) replaces the cell's traces: those of
 * earlier runs are deleted in the same transaction, so readers never count an old run's traces with the new.
 */
export async function putOutput(store: Store, output: OutputRecord): Promise<void> {
  if (output.status !== 'done' || output.attempt === undefined) {
    await store.write(`the output of cell "${output.cellId}"`, ['outputs'], async (tx) => {
      await tx.store.put(output);
    });
    return;
  }
  await store.write(`the output of cell "${output.cellId}"`, ['outputs', 'traces'], async (tx) => {
    await tx.objectStore('outputs').put(output);
    // One getAll, not a cursor: fake-indexeddb (the CLI's store) searches the whole index at every cursor step,
    // so two cells of 12,000 traces took minutes to store.
    const traces = tx.objectStore('traces');
    for (const trace of await traces.index('cell').getAll([output.notebookId, output.cellId]))
      if (trace.attempt !== output.attempt) await traces.delete(trace.id);
  });
}

export async function deleteOutputs(store: Store, notebookId: string): Promise<void> {
  await store.write(`deletion of outputs of ${notebookId}`, ['outputs'], async (tx) => {
    await tx.store.delete(notebookRange(notebookId));
  });
}

export async function getSetting(store: Store, key: string): Promise<JsonValue | undefined> {
  return (await store.idb.get('settings', key))?.value;
}

export async function putSetting(store: Store, key: string, value: JsonValue): Promise<void> {
  await store.write(`setting "${key}"`, ['settings'], async (tx) => {
    await tx.store.put({ key, value });
  });
}

/** Every [notebookId, cellId] key of one notebook: [id] sorts before them and [id, []] after (arrays sort after strings). */
function notebookRange(notebookId: string): IDBKeyRange {
  return IDBKeyRange.bound([notebookId], [notebookId, []]);
}
