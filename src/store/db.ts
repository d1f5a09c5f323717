// The open database and the one way Primer writes to it: `write(what, stores, fn)` runs fn in its own
// readwrite transaction, so a failure rolls back only that write, and a full disk becomes a
// StorageFullError that names what could not be saved.
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { MIGRATIONS, runMigrations, type Migration, type UpgradeDB, type UpgradeTx } from './migrations.ts';
import { browserStorage, isQuotaError, StorageFullError, storageEstimate, type StorageManagerLike } from './health.ts';
import type { PrimerSchema, StoreName } from './schema.ts';

export interface OpenOptions {
  /** Database name; tests use their own. */
  name?: string;
  storage?: StorageManagerLike;
  /** The upgrade steps (tests pass a prefix or a failing step); the version is their count. */
  migrations?: readonly Migration[];
}

export const ALL_STORES: readonly StoreName[] = [
  'notebooks',
  'outputs',
  'traces',
  'datasets',
  'runs',
  'metrics',
  'adapters',
  'checkpoints',
  'settings',
  'secrets',
  'folders',
];

export type WriteTx<N extends StoreName[]> = IDBPTransaction<PrimerSchema, N, 'readwrite'>;

export class Store {
  private constructor(
    readonly idb: IDBPDatabase<PrimerSchema>,
    private readonly storage: StorageManagerLike | undefined,
  ) {}

  static async open(options: OpenOptions = {}): Promise<Store> {
    const migrations = options.migrations ?? MIGRATIONS;
    let failure: unknown = null;
    let opened: IDBPDatabase<PrimerSchema> | null = null;
    try {
      opened = await openDB<PrimerSchema>(options.name ?? 'primer', migrations.length, {
        upgrade(db, oldVersion, _newVersion, tx) {
          tx.done.catch(() => {}); // an aborted upgrade is reported by openDB itself
          runMigrations(migrations, db as unknown as UpgradeDB, oldVersion, tx as unknown as UpgradeTx).catch(
            (error) => {
              failure = error;
              tx.abort();
            },
          );
        },
        // Another tab wants a newer version: step aside; this tab's writes fail until it reloads.
        blocking: () => opened?.close(),
      });
    } catch (error) {
      const cause = failure ?? error;
      throw new Error(`Could not open the database: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    }
    return new Store(opened, options.storage ?? browserStorage());
  }

  close(): void {
    this.idb.close();
  }

  /** Runs `fn` in one readwrite transaction over `stores`; on failure nothing of it is kept. */
  async write<T, N extends [StoreName] | StoreName[]>(
    what: string,
    stores: N,
    fn: (tx: WriteTx<N>) => Promise<T>,
  ): Promise<T> {
    const tx = this.idb.transaction(stores, 'readwrite');
    tx.done.catch(() => {}); // observed below; this only keeps an abort from being reported as unhandled
    try {
      const result = await fn(tx);
      await tx.done;
      return result;
    } catch (error) {
      abortQuietly(tx);
      if (isQuotaError(error) || isQuotaError(tx.error)) {
        throw new StorageFullError(what, await storageEstimate(this.storage), { cause: error });
      }
      throw error;
    }
  }

  /** "Clear all my data": every store, remembered secrets included. */
  clearAll(): Promise<void> {
    const stores = [...ALL_STORES];
    return this.write('a reset of all data', stores, async (tx) => {
      await Promise.all(stores.map((name) => tx.objectStore(name).clear()));
    });
  }
}

/** One request per record. A request that throws synchronously becomes a rejection, so none is left unhandled. */
export function putAll<R>(records: readonly R[], put: (record: R) => Promise<unknown>): Promise<unknown[]> {
  return Promise.all(records.map((record) => new Promise((resolve) => resolve(put(record)))));
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // already committed or aborted
  }
}
