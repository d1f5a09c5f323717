// Files out of and into the database.
// - Raw JSONL exports of traces and datasets: one record per line, as stored.
// - The workspace backup: one JSON-lines file; line 1 is a header, every other line is
//   {"type": <store>, "record": {...}} with binary (adapters, checkpoints) as {"$base64": "..."}.
//   Remembered secrets are never part of it: 'secrets' is not in BACKUP_STORES and import rejects it.
import { DB_VERSION } from './migrations.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';
import type { Store, WriteTx } from './db.ts';
import type { DatasetRecord, NotebookRecord, PrimerSchema } from './schema.ts';

export const BACKUP_FORMAT = 1;
export const BACKUP_STORES = [
  'notebooks',
  'outputs',
  'traces',
  'datasets',
  'runs',
  'metrics',
  'adapters',
  'checkpoints',
  'settings',
] as const;
export type BackupStore = (typeof BACKUP_STORES)[number];

export interface BackupHeader {
  type: 'primer-backup';
  format: number;
  dbVersion: number;
  createdAt: number;
}

export type BackupEntry = { [S in BackupStore]: { type: S; record: PrimerSchema[S]['value'] } }[BackupStore];

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'binary';

// The fields each record must have, so a damaged line is caught before anything is written.
const REQUIRED: Record<BackupStore, Record<string, FieldType>> = {
  notebooks: { id: 'string', title: 'string', source: 'string', origin: 'string', trusted: 'boolean' },
  outputs: { notebookId: 'string', cellId: 'string', status: 'string', paramsHash: 'string' },
  traces: {
    id: 'string',
    model: 'string',
    prompt: 'string',
    completion: 'string',
    reward: 'number',
    correct: 'number',
    notebookId: 'string',
    cellId: 'string',
    problem: 'object',
  },
  datasets: { id: 'string', name: 'string', traces: 'array', meta: 'object' },
  runs: { id: 'string', kind: 'string', status: 'string', config: 'object' },
  metrics: { runId: 'string', step: 'number', values: 'object' },
  adapters: { id: 'string', model: 'string', data: 'binary' },
  checkpoints: { runId: 'string', step: 'number', data: 'binary' },
  settings: { key: 'string' },
};

export class BackupError extends Error {
  override name = 'BackupError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`backup line ${line}: ${message}`);
  }
}

/** One JSON record per line, e.g. traces as stored. */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((record) => JSON.stringify(record) + '\n').join('');
}

/** One line per trace of the dataset, each carrying the dataset's id and condition. */
export function datasetJsonl(dataset: DatasetRecord): string {
  return toJsonl(dataset.traces.map((trace) => ({ dataset: dataset.id, condition: dataset.condition, ...trace })));
}

/** The whole workspace as lines (each ending in '\n'), ready for `new Blob(lines)`. */
export async function exportBackup(store: Store): Promise<string[]> {
  const header: BackupHeader = {
    type: 'primer-backup',
    format: BACKUP_FORMAT,
    dbVersion: DB_VERSION,
    createdAt: Date.now(),
  };
  const lines = [JSON.stringify(header) + '\n'];
  for (const type of BACKUP_STORES) {
    for (const record of await store.idb.getAll(type))
      lines.push(JSON.stringify({ type, record }, encodeBinary) + '\n');
  }
  return lines;
}

/** Checks every line of a backup and returns its entries; throws a BackupError naming the first bad line. */
export function parseBackup(text: string): BackupEntry[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  checkHeader(parseLine(lines[0] ?? '', 1));
  const entries: BackupEntry[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() !== '') entries.push(checkEntry(parseLine(line, i + 2), i + 2));
  });
  return entries;
}

/**
 * Restores a backup in one transaction (all or nothing). `replace` first empties the stores a backup
 * holds; otherwise records are merged, replacing those with the same key. Notebooks that came from a
 * file or link come back untrusted.
 */
export async function importBackup(
  store: Store,
  text: string,
  { replace = false } = {},
): Promise<Record<BackupStore, number>> {
  const entries = parseBackup(text);
  const counts = Object.fromEntries(BACKUP_STORES.map((s) => [s, 0])) as Record<BackupStore, number>;
  await store.write(`a backup of ${entries.length} records`, [...BACKUP_STORES], async (tx) => {
    if (replace) await Promise.all(BACKUP_STORES.map((s) => tx.objectStore(s).clear()));
    for (const entry of entries) {
      counts[entry.type]++;
      await putEntry(tx, entry.type, entry.type === 'notebooks' ? untrustForeign(entry.record) : entry.record);
    }
  });
  return counts;
}

function putEntry<S extends BackupStore>(tx: WriteTx<BackupStore[]>, type: S, record: PrimerSchema[S]['value']) {
  return tx.objectStore(type).put(record);
}

function untrustForeign(notebook: NotebookRecord): NotebookRecord {
  return { ...notebook, trusted: notebook.trusted && (notebook.origin === 'shipped' || notebook.origin === 'user') };
}

function encodeBinary(_key: string, value: unknown): unknown {
  return value instanceof ArrayBuffer ? { $base64: bytesToBase64(new Uint8Array(value)) } : value;
}

function decodeBinary(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const encoded = (value as { $base64?: unknown }).$base64;
  if (keys.length !== 1 || typeof encoded !== 'string') return value;
  return base64ToBytes(encoded).buffer;
}

function parseLine(line: string, number: number): unknown {
  try {
    return JSON.parse(line, decodeBinary);
  } catch (error) {
    throw new BackupError(number, `not valid JSON (${(error as Error).message})`);
  }
}

function checkHeader(value: unknown): void {
  const header = value as Partial<BackupHeader> | null;
  if (header?.type !== 'primer-backup') throw new BackupError(1, 'not a Primer backup (the header line is missing)');
  if (typeof header.format !== 'number' || header.format > BACKUP_FORMAT) {
    throw new BackupError(
      1,
      `backup format ${String(header.format)} is newer than this Primer reads (${BACKUP_FORMAT})`,
    );
  }
}

function checkEntry(value: unknown, line: number): BackupEntry {
  const { type, record } = (value ?? {}) as { type?: unknown; record?: unknown };
  if (!BACKUP_STORES.includes(type as BackupStore))
    throw new BackupError(line, `unknown record type ${JSON.stringify(type)}`);
  if (typeof record !== 'object' || record === null)
    throw new BackupError(line, `a '${String(type)}' line needs a "record" object`);
  for (const [field, expected] of Object.entries(REQUIRED[type as BackupStore])) {
    const actual = (record as Record<string, unknown>)[field];
    if (!hasType(actual, expected))
      throw new BackupError(line, `a record of '${String(type)}' needs '${field}' (${expected})`);
  }
  return { type, record } as BackupEntry;
}

function hasType(value: unknown, expected: FieldType): boolean {
  switch (expected) {
    case 'binary':
      return value instanceof ArrayBuffer;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === expected;
  }
}
