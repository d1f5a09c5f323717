// The database layout as a list of upgrade steps: step i takes a database at version i to version i+1.
// Never edit a step that has shipped; append a new one. DB_VERSION follows the list's length.
import type { IDBPDatabase, IDBPTransaction } from 'idb';

/** A step sees the database as it was at its version, so it works untyped. */
export type UpgradeDB = IDBPDatabase<unknown>;
export type UpgradeTx = IDBPTransaction<unknown, string[], 'versionchange'>;
export type Migration = (db: UpgradeDB, tx: UpgradeTx) => void | Promise<void>;

/** v1: notebooks, their cell outputs, generated traces, settings and remembered secrets. */
function createCoreStores(db: UpgradeDB): void {
  db.createObjectStore('notebooks', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
  db.createObjectStore('outputs', { keyPath: ['notebookId', 'cellId'] }).createIndex('notebookId', 'notebookId');
  const traces = db.createObjectStore('traces', { keyPath: 'id' });
  traces.createIndex('model', 'model');
  traces.createIndex('notebookId', 'notebookId');
  traces.createIndex('cell', ['notebookId', 'cellId']);
  db.createObjectStore('settings', { keyPath: 'key' });
  db.createObjectStore('secrets', { keyPath: 'name' });
}

/** v2: priming datasets, training runs with per-step metrics, adapters and checkpoints. */
function createTrainingStores(db: UpgradeDB, tx: UpgradeTx): void {
  db.createObjectStore('datasets', { keyPath: 'id' });
  db.createObjectStore('runs', { keyPath: 'id' }).createIndex('notebookId', 'notebookId');
  db.createObjectStore('metrics', { keyPath: ['runId', 'step'] });
  db.createObjectStore('adapters', { keyPath: 'id' }).createIndex('runId', 'runId');
  db.createObjectStore('checkpoints', { keyPath: ['runId', 'step'] });
  const traces = tx.objectStore('traces');
  traces.createIndex('run', 'run');
  traces.createIndex('runStep', ['run', 'step']);
}

/** v3: traces gain `correct` (0/1, indexable), filled in from the reward for traces written before. */
async function indexCorrectness(_db: UpgradeDB, tx: UpgradeTx): Promise<void> {
  const traces = tx.objectStore('traces');
  traces.createIndex('correct', 'correct');
  for (let cursor = await traces.openCursor(); cursor; cursor = await cursor.continue()) {
    const trace = cursor.value as { reward: number; correct?: number };
    if (trace.correct === undefined) await cursor.update({ ...trace, correct: trace.reward >= 1 ? 1 : 0 });
  }
}

/** v4: directory handles of dropped model folders, so a reload can reopen them (store/folders.ts). */
function createFolderStore(db: UpgradeDB): void {
  db.createObjectStore('folders', { keyPath: ['notebookId', 'cellId'] });
}

export const MIGRATIONS: readonly Migration[] = [
  createCoreStores,
  createTrainingStores,
  indexCorrectness,
  createFolderStore,
];
export const DB_VERSION = MIGRATIONS.length;

/** Runs the steps from oldVersion up to the end of `steps`, in order, inside the upgrade transaction. */
export async function runMigrations(
  steps: readonly Migration[],
  db: UpgradeDB,
  oldVersion: number,
  tx: UpgradeTx,
): Promise<void> {
  for (let version = oldVersion; version < steps.length; version++) await steps[version](db, tx);
}
