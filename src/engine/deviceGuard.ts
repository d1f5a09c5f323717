// GPU work that cannot hang on a broken device: a call stops at once when the device is lost under it
// (GpuLostError), and an allocation the GPU refused (an out-of-memory error scope) stops it with the sizes
// involved (GpuOutOfMemoryError), instead of training on buffers that do not exist.
import { trackAllocations } from './memory.ts';

/** The device went away (a driver reset, another tab's crash, the tab in the background too long). */
export class GpuLostError extends Error {
  override name = 'GpuLostError';
  constructor(info: { reason: string; message: string }) {
    super(`The GPU was reset (${[info.reason, info.message].filter(Boolean).join(': ')})`);
  }
}

export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}

const MB = 2 ** 20;
const LOSS_REPORT_MS = 1000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One device's watch: `lost` aborts when the device is lost, with a GpuLostError as its reason. */
export class DeviceGuard {
  readonly #lost = new AbortController();

  constructor(readonly device: GPUDevice) {
    device.lost.then((info) => this.#lost.abort(new GpuLostError(info)));
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /**
   * Runs `work` with a signal that also aborts when the device is lost; rejects at once then, whatever the work
   * awaits. `what` names the work in an out-of-memory message ("loading model x", "training rl").
   */
  async run<T>(
    what: string,
    signal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
    resident = 0,
  ): Promise<T> {
    const lost = this.#lost.signal;
    lost.throwIfAborted();
    const combined = signal ? AbortSignal.any([signal, lost]) : lost;
    const tracker = trackAllocations(this.device);
    this.device.pushErrorScope('out-of-memory');
    const gone = new Promise<never>((_, reject) =>
      lost.addEventListener('abort', () => reject(lost.reason), { once: true }),
    );
    const working = work(combined);
    working.catch(() => {}); // after a loss its own failure no longer matters
    try {
      const outcome = await Promise.race([working, gone]).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (!outcome.ok) {
        // A lost device fails the work's readbacks before (or after) it reports the loss: give the report a moment.
        if (!signal?.aborted) await Promise.race([gone.catch(() => {}), delay(LOSS_REPORT_MS)]);
        if (lost.aborted) throw lost.reason;
      }
      await this.#checkMemory(what, tracker, resident); // an allocation that failed explains a failure best
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    } finally {
      tracker.stop();
    }
  }

  /** `resident`: bytes the models already loaded hold, for the message. */
  async #checkMemory(what: string, tracker: { peak: number }, resident: number): Promise<void> {
    const error = await this.device.popErrorScope();
    if (!error) return;
    throw new GpuOutOfMemoryError(
      `The GPU ran out of memory ${what}: an allocation failed after ${Math.round(tracker.peak / MB)} MB for ` +
        `this cell, on top of ${Math.round(resident / MB)} MB of loaded models (${error.message || 'out of memory'}). ` +
        "Close other tabs that use the GPU, lower the cell's sizes (batch_size, max_length, max_tokens, group) or " +
        'use a smaller model',
    );
  }
}
