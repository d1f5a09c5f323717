// What a running cell's solutions look like right now: one column per model, a row per solution being
// written. Events arrive as fast as the engine writes; they are applied once per animation frame, so the
// page redraws at most once a frame however many tokens arrive.
import { LiveAnnotator } from '../../behaviors/liveAnnotation.ts';
import { BEHAVIORS, zeroCounts, type Annotation, type BehaviorCounts } from '../../behaviors/types.ts';
import type { LiveEvent } from '../../notebook/live.ts';
import { countdownReward } from '../../tasks/reward.ts';
import type { CountdownProblem } from '../../tasks/types.ts';

const ANSWER_CLOSED = '</answer>';

export class LiveRow {
  text = $state('');
  annotation = $state.raw<Annotation | undefined>();
  /** Set once the answer is closed: the reward it earns. */
  reward = $state<number | undefined>();
  readonly #annotator: LiveAnnotator;

  constructor(readonly problem: CountdownProblem) {
    this.#annotator = new LiveAnnotator(problem);
  }

  append(delta: string): void {
    this.text += delta;
    const closed = this.text.includes(ANSWER_CLOSED);
    if (closed) this.reward = countdownReward(this.text, this.problem);
    this.annotation = this.#annotator.update(this.text, closed);
  }
}

export class LiveColumn {
  rows = $state.raw<LiveRow[]>([]);
  /** Solutions of earlier batches (their behavior counts stay in the column's totals). */
  earlier = $state.raw<BehaviorCounts>(zeroCounts());
  tokens = $state(0);

  constructor(public label: string) {}

  /** Behaviors found so far in this column, earlier batches included. */
  get counts(): BehaviorCounts {
    const counts = { ...this.earlier };
    for (const row of this.rows) for (const b of BEHAVIORS) counts[b] += row.annotation?.counts[b] ?? 0;
    return counts;
  }

  startBatch(label: string, problems: CountdownProblem[]): void {
    this.earlier = this.counts;
    this.label = label;
    this.rows = problems.map((p) => new LiveRow(p));
  }
}

export class LiveBoard {
  columns = $state.raw<LiveColumn[]>([]);
  readonly startedAt = performance.now();
  /** Refreshed with each frame's text, so the rate reads as it changes. */
  now = $state(performance.now());

  get tokens(): number {
    return this.columns.reduce((n, c) => n + c.tokens, 0);
  }

  get tokensPerSecond(): number {
    const seconds = (this.now - this.startedAt) / 1000;
    return seconds > 0 ? this.tokens / seconds : 0;
  }

  apply(events: readonly LiveEvent[]): void {
    for (const e of events) {
      const column = this.#column(e.column);
      if (e.type === 'rows') column.startBatch(e.label, e.problems);
      else {
        column.rows[e.row]?.append(e.delta);
        column.tokens += e.tokens;
      }
    }
    this.now = performance.now();
  }

  #column(index: number): LiveColumn {
    while (this.columns.length <= index) this.columns = [...this.columns, new LiveColumn('')];
    return this.columns[index];
  }
}

/** Live boards by cell id, fed event by event and redrawn once per animation frame. */
export class LiveBoards {
  boards = $state<Record<string, LiveBoard>>({});
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- events wait here unseen until the frame's flush
  #pending = new Map<string, LiveEvent[]>();
  #frame = 0;

  /** A cell starts: its old board goes. */
  reset(cellId: string): void {
    delete this.boards[cellId];
    this.#pending.delete(cellId);
  }

  push(cellId: string, event: LiveEvent): void {
    const queue = this.#pending.get(cellId);
    if (queue) queue.push(event);
    else this.#pending.set(cellId, [event]);
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.flush());
  }

  flush(): void {
    this.#frame = 0;
    for (const [cellId, events] of this.#pending) (this.boards[cellId] ??= new LiveBoard()).apply(events);
    this.#pending.clear();
  }
}
