// Streamed text, coalesced: a generator calls push() once per token and row; the batcher hands each row's
// text on once per frame (one message or one redraw instead of one per token), so streaming costs a decode
// loop nothing it would notice. flush() hands on what is left at once (before a result is returned).

export type TextSink = (row: number, delta: string, tokens: number) => void;
/** Runs `flush` soon: once per animation frame on a page, or after a frame's time elsewhere. */
export type FrameScheduler = (flush: () => void) => void;

export const FRAME_MS = 16;

export const afterFrameTime: FrameScheduler = (flush) => void setTimeout(flush, FRAME_MS);

export class TextBatcher {
  #pending = new Map<number, { delta: string; tokens: number }>();
  #scheduled = false;

  constructor(
    private readonly sink: TextSink,
    private readonly schedule: FrameScheduler = afterFrameTime,
  ) {}

  push(row: number, delta: string, tokens = 1): void {
    const held = this.#pending.get(row);
    if (held) {
      held.delta += delta;
      held.tokens += tokens;
    } else this.#pending.set(row, { delta, tokens });
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [row, { delta, tokens }] of pending) this.sink(row, delta, tokens);
  }
}
