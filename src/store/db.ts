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

/** Another tab upgraded the database to a newer version than this page's code knows: only a reload helps. */
export class StoreOutdatedError extends Error {
  override name = 'StoreOutdatedError';
  constructor(options?: { cause?: unknown }) {
    super(
      'Primer was updated in another tab, and its database with it: reload this page to go on (everything saved is kept).',
      options,
    );
  }
}

/**
 * The open database. When another tab needs it closed (a newer version, or deleting it) this connection
 * steps aside and reopens as soon as it can; until then (or if this page is now too old) a use of it fails
 * with a plain message rather than the browser's InvalidStateError.
 */
export class Store {
  #db: IDBPDatabase<PrimerSchema>;
  #reopening: Promise<void> | undefined;
  #unusable: Error | undefined;

  private constructor(
    db: IDBPDatabase<PrimerSchema>,
    private readonly options: OpenOptions,
    private readonly storage: StorageManagerLike | undefined,
  ) {
    this.#db = db;
  }

  static async open(options: OpenOptions = {}): Promise<Store> {
    let store: Store | undefined;
    const db = await connect(options, () => store && store.#stepAside());
    store = new Store(db, options, options.storage ?? browserStorage());
    return store;
  }

  /** The connection, for reads; throws a plain error while it is closed for another tab. */
  get idb(): IDBPDatabase<PrimerSchema> {
    if (this.#unusable) throw this.#unusable;
    return this.#db;
  }

  close(): void {
    this.#db.close();
  }

  #stepAside(): void {
    this.#db.close();
    this.#unusable = new Error(
      'The database is closed for a moment for another tab of Primer (it is upgrading or clearing it); try again.',
    );
    this.#reopening ??= connect(this.options, () => this.#stepAside())
      .then(
        (db) => {
          this.#db = db;
          this.#unusable = undefined;
        },
        (error: unknown) => {
          this.#unusable = error instanceof Error ? error : new Error(String(error));
        },
      )
      .finally(() => (this.#reopening = undefined));
  }

  /** Runs `fn` in one readwrite transaction over `stores`; on failure nothing of it is kept. */
  async write<T, N extends [StoreName] | StoreName[]>(
    what: string,
    stores: N,
    fn: (tx: WriteTx<N>) => Promise<T>,
  ): Promise<T> {
    await this.#reopening;
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

/** Opens the database at this code's version, running its migrations; `onVersionChange` when another tab needs it closed. */
async function connect(options: OpenOptions, onVersionChange: () => void): Promise<IDBPDatabase<PrimerSchema>> {
  const migrations = options.migrations ?? MIGRATIONS;
  let failure: unknown = null;
  try {
    return await openDB<PrimerSchema>(options.name ?? 'primer', migrations.length, {
      upgrade(db, oldVersion, _newVersion, tx) {
        tx.done.catch(() => {}); // an aborted upgrade is reported by openDB itself
        runMigrations(migrations, db as unknown as UpgradeDB, oldVersion, tx as unknown as UpgradeTx).catch((error) => {
          failure = error;
          tx.abort();
        });
      },
      blocking: onVersionChange,
      terminated: onVersionChange,
    });
  } catch (error) {
    const cause = failure ?? error;
    if (isVersionError(cause)) throw new StoreOutdatedError({ cause });
    const message = `Could not open the database: ${cause instanceof Error ? cause.message : String(cause)}`;
    // eslint-disable-next-line preserve-caught-error -- a failed migration, not the abort it caused, is the cause
    throw new Error(message, { cause });
  }
}

function isVersionError(error: unknown): boolean {
  return error instanceof Error && error.name === 'VersionError';
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
