// One tab owns a running cell: the runner holds a Web Lock named after the cell while it runs, so a second tab
// (or window) of the same notebook is told plainly instead of starting a second run under the same run id.

/** The part of the Web Locks API (navigator.locks) the runner uses. */
export interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

export const RUNNING_ELSEWHERE =
  'This cell is running in another tab or window of Primer. Wait for it there (or cancel it there), then reload ' +
  'this page to see its result.';

const NOT_HELD = Symbol('not held');

export class CellLocks {
  constructor(private readonly locks: LockManagerLike) {}

  /** navigator.locks where the platform has it (browsers), else none: Node runs one notebook per process. */
  static ofPlatform(): CellLocks | undefined {
    const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
    return locks ? new CellLocks(locks) : undefined;
  }

  /** Runs `fn` holding the cell's lock; false, without running it, when another tab holds the lock. */
  async hold(notebookId: string, cellId: string, fn: () => Promise<void>): Promise<boolean> {
    const outcome = await this.locks.request(lockName(notebookId, cellId), { ifAvailable: true }, async (lock) =>
      lock ? fn() : NOT_HELD,
    );
    return outcome !== NOT_HELD;
  }

  /** Whether some tab holds the cell's lock now (a tab that just loaded holds none of its own). */
  async held(notebookId: string, cellId: string): Promise<boolean> {
    const { held = [] } = await this.locks.query();
    return held.some((lock) => lock.name === lockName(notebookId, cellId));
  }
}

function lockName(notebookId: string, cellId: string): string {
  return `primer cell ${JSON.stringify([notebookId, cellId])}`;
}
