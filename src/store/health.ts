// Storage health: ask the browser to keep our data, report how much room is left, and turn a quota
// failure into an error that says what could not be saved and how full the disk is.

export interface StorageUse {
  usage: number;
  quota: number;
}

/** The part of navigator.storage we use; Node has none, tests may pass their own. */
export interface StorageManagerLike {
  estimate(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

export type Persistence = 'granted' | 'denied' | 'unsupported';

export function browserStorage(): StorageManagerLike | undefined {
  // globalThis.navigator is missing in Node 20, so reach it without assuming it exists.
  const nav = (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator;
  return nav?.storage;
}

/** Asks the browser not to evict Primer's data under storage pressure (navigator.storage.persist). */
export async function requestPersistence(storage = browserStorage()): Promise<Persistence> {
  if (!storage?.persist) return 'unsupported';
  if (await storage.persisted?.()) return 'granted';
  return (await storage.persist()) ? 'granted' : 'denied';
}

export async function storageEstimate(storage = browserStorage()): Promise<StorageUse | null> {
  if (!storage) return null;
  const { usage, quota } = await storage.estimate();
  return usage === undefined || quota === undefined ? null : { usage, quota };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A write failed because the browser's storage quota is used up. Earlier writes are unaffected. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(
    readonly what: string,
    readonly use: StorageUse | null,
    options?: { cause?: unknown },
  ) {
    const used = use ? `${formatBytes(use.usage)} of ${formatBytes(use.quota)} used` : 'usage unknown';
    super(
      `Storage is full: could not save ${what} (${used}). Everything saved before is kept. ` +
        "Free space on this computer's disk (the browser grants a share of it), or on the home screen export a " +
        'backup and clear all data.',
      options,
    );
  }
}

/** Chrome and Safari name it QuotaExceededError (legacy code 22); old Firefox used its own name. */
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}
