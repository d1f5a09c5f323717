// What `primer run` tells a person while a notebook runs: a progress line on stderr for the cell that is
// running (what it counts, how far, the rate and the time left once known), at most one a second per cell and
// always its last, then one summary line per cell on stdout when it ends.
import type { CellState } from '../notebook/runner.ts';
import type { ProgressReport } from '../store/schema.ts';
import { clockText } from './trainOutput.ts';

/** "[rl] steps 3/20  0.52/s  left 0:33". */
export function progressLine(cellId: string, p: ProgressReport): string {
  const rate = p.rate !== undefined && Number.isFinite(p.rate) && p.rate > 0 ? `  ${rateText(p.rate)}/s` : '';
  const left =
    p.secondsLeft !== undefined && Number.isFinite(p.secondsLeft) ? `  left ${clockText(p.secondsLeft)}` : '';
  return `[${cellId}] ${p.what} ${p.done}/${p.total}${rate}${left}`;
}

function rateText(rate: number): string {
  return rate >= 10 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toPrecision(2);
}

/** "rl: done in 1:23 (steps 20/20)" or "rl: error after 0:04 (the cause)". */
export function summaryLine(cellId: string, state: CellState, last: ProgressReport | undefined): string {
  const seconds =
    state.startedAt !== undefined && state.finishedAt !== undefined
      ? (state.finishedAt - state.startedAt) / 1000
      : undefined;
  const time = seconds === undefined ? '' : ` ${state.status === 'done' ? 'in' : 'after'} ${clockText(seconds)}`;
  const counted = last ? ` (${last.what} ${last.done}/${last.total})` : '';
  return `${cellId}: ${state.status}${time}${counted}${state.error ? ` (${state.error})` : ''}`;
}

export class RunProgress {
  private readonly last = new Map<string, { report: ProgressReport; printedAt: number; printed: boolean }>();

  constructor(
    private readonly write: { progress: (line: string) => void; summary: (line: string) => void },
    private readonly now: () => number = () => performance.now(),
    private readonly everyMs = 1000,
  ) {}

  /** The runner's onChange: a running cell's progress, or its end. */
  change(cellId: string, state: CellState): void {
    if (state.status === 'running') {
      if (state.progress) this.progress(cellId, state.progress);
      return;
    }
    const seen = this.last.get(cellId);
    if (seen && !seen.printed) this.write.progress(progressLine(cellId, seen.report));
    this.write.summary(summaryLine(cellId, state, seen?.report));
    this.last.delete(cellId);
  }

  private progress(cellId: string, report: ProgressReport): void {
    const seen = this.last.get(cellId);
    const now = this.now();
    const due =
      !seen || seen.report.what !== report.what || report.done >= report.total || now - seen.printedAt >= this.everyMs;
    if (due) this.write.progress(progressLine(cellId, report));
    this.last.set(cellId, { report, printedAt: due ? now : (seen?.printedAt ?? now), printed: due });
  }
}
