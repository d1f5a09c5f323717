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
 * holds; otherwise records are merged, replacing those with the same key. Restored notebooks are never
 * trusted, and a backup never replaces a notebook shipped with this build (`shipped`): an edited copy of
 * one comes back beside it, as "<id>-restored" with its outputs.
 */
export async function importBackup(
  store: Store,
  text: string,
  { replace = false, shipped = [] as readonly ShippedText[] } = {},
): Promise<Record<BackupStore, number>> {
  const entries = parseBackup(text);
  const counts = Object.fromEntries(BACKUP_STORES.map((s) => [s, 0])) as Record<BackupStore, number>;
  await store.write(`a backup of ${entries.length} records`, [...BACKUP_STORES], async (tx) => {
    if (replace) await Promise.all(BACKUP_STORES.map((s) => tx.objectStore(s).clear()));
    const moved = await movedNotebooks(tx, entries, shipped);
    for (const entry of entries) {
      const record = restoredRecord(entry, moved);
      if (!record) continue;
      counts[entry.type]++;
      await putEntry(tx, entry.type, record);
    }
  });
  return counts;
}

/** A notebook shipped with this build: its id and text. */
export interface ShippedText {
  id: string;
  source: string;
}

/**
 * Where each backed-up notebook with a shipped id goes: null when its text is the shipped text (the
 * build provides it; only its outputs are restored), otherwise a free id beside the shipped one.
 */
async function movedNotebooks(
  tx: WriteTx<BackupStore[]>,
  entries: BackupEntry[],
  shipped: readonly ShippedText[],
): Promise<Map<string, string | null>> {
  const moved = new Map<string, string | null>();
  for (const entry of entries) {
    if (entry.type !== 'notebooks') continue;
    const { id, source } = entry.record;
    const original = shipped.find((s) => s.id === id);
    if (!original) continue;
    if (original.source === source) {
      moved.set(id, null);
      continue;
    }
    let free = `${id}-restored`;
    for (let n = 2; await tx.objectStore('notebooks').getKey(free); n++) free = `${id}-restored-${n}`;
    moved.set(id, free);
  }
  return moved;
}

/** The record to put for a backup entry, or null to leave it out. */
function restoredRecord(entry: BackupEntry, moved: Map<string, string | null>): BackupEntry['record'] | null {
  if (entry.type === 'notebooks') {
    const to = moved.get(entry.record.id);
    if (to === null) return null;
    const notebook: NotebookRecord = { ...entry.record, trusted: false };
    if (to === undefined) return notebook;
    return { ...notebook, id: to, title: `${notebook.title} (restored)`, origin: 'user' };
  }
  if (entry.type === 'outputs') {
    const to = moved.get(entry.record.notebookId);
    return to ? { ...entry.record, notebookId: to } : entry.record;
  }
  return entry.record;
}

function putEntry<S extends BackupStore>(tx: WriteTx<BackupStore[]>, type: S, record: PrimerSchema[S]['value']) {
  return tx.objectStore(type).put(record);
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
