// Faults in the app's real IndexedDB, made from the test: a store whose writes fail with QuotaExceededError
// from a chosen call on (as a full disk does), a store held busy by another connection's transaction (so the
// app's writes to it wait), and reads of what the app stored.
import type { BrowserContext, Page } from 'playwright-core';

declare global {
  /** Per object store: how many more puts succeed before every later one fails with QuotaExceededError. */
  var __quotaFaults: Record<string, number> | undefined;
  /** Per object store: how many puts the page has made. */
  var __puts: Record<string, number> | undefined;
  var __releaseBusy: (() => void) | undefined;
}

/** Counts IDBObjectStore.put calls, and makes them throw QuotaExceededError when armed with failPutsAfter. */
export async function installQuotaFaults(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const puts = (globalThis.__puts ??= {});
      puts[this.name] = (puts[this.name] ?? 0) + 1;
      const faults = globalThis.__quotaFaults;
      if (faults && this.name in faults && faults[this.name]-- <= 0)
        throw new DOMException('The quota has been exceeded (test).', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
}

/** From now on, `okPuts` more puts to `store` succeed and every later one fails as on a full disk; null: none fail. */
export async function failPutsAfter(page: Page, store: string, okPuts: number | null): Promise<void> {
  await page.evaluate(
    ([name, ok]) => {
      globalThis.__quotaFaults = ok === null ? undefined : { [name as string]: ok as number };
    },
    [store, okPuts] as const,
  );
}

/** How many puts the page has made to `store` (issued, not necessarily done). */
export function putsTo(page: Page, store: string): Promise<number> {
  return page.evaluate((name) => globalThis.__puts?.[name] ?? 0, store);
}

/** Holds a readwrite transaction on `store` open from another connection (of `page`, best another tab), so the app's writes there wait. */
export async function holdStoreBusy(page: Page, store: string): Promise<void> {
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('primer');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(name, 'readwrite');
          let held = true;
          const spin = () => {
            if (held) tx.objectStore(name).count().onsuccess = spin;
          };
          tx.oncomplete = () => db.close();
          globalThis.__releaseBusy = () => (held = false);
          spin();
          resolve();
        };
      }),
    store,
  );
}

export async function releaseStore(page: Page): Promise<void> {
  await page.evaluate(() => globalThis.__releaseBusy?.());
}

interface Query {
  store: string;
  index?: string;
  op: 'count' | 'getAllKeys';
  /** A key (array keys match exactly), or { first } for every array key whose first part is `first`. */
  key?: IDBValidKey | { first: string };
}

/** Runs one read request on the app's database from the page, on a connection of its own. */
async function query<T>(page: Page, q: Query): Promise<T> {
  const json = JSON.stringify(q);
  const result: unknown = await page.evaluate(
    (text) =>
      new Promise<unknown>((resolve, reject) => {
        const { store, index, op, key } = JSON.parse(text) as Query;
        const open = indexedDB.open('primer');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const os = db.transaction(store).objectStore(store);
          const source = index ? os.index(index) : os;
          const range =
            key && typeof key === 'object' && 'first' in key ? IDBKeyRange.bound([key.first], [key.first, []]) : key;
          const request = source[op](range);
          request.onsuccess = () => {
            db.close();
            resolve(request.result);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    json,
  );
  return result as T;
}

/** How many records `store` holds (only those whose key starts with `first`, if given). */
export function countRecords(page: Page, store: string, first?: string): Promise<number> {
  return query(page, { store, op: 'count', key: first === undefined ? undefined : { first } });
}

/** The keys of `store`, as JSON, for assertions on which records are left. */
export async function storedKeys(page: Page, store: string): Promise<string[]> {
  const keys = await query<IDBValidKey[]>(page, { store, op: 'getAllKeys' });
  return keys.map((k) => JSON.stringify(k));
}

/** How many traces the traces store holds for one cell. */
export function countTraces(page: Page, notebookId: string, cellId: string): Promise<number> {
  return query(page, { store: 'traces', index: 'cell', op: 'count', key: [notebookId, cellId] });
}
