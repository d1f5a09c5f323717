// `primer run` shows a running cell's progress on stderr (cell, count, rate, time left), at most once a second
// per cell and always its last report, and a summary line per cell when it ends.
import { describe, expect, it } from 'vitest';
import { progressLine, RunProgress } from '../../src/cli/runProgress.ts';

describe('primer run progress', () => {
  it('says the cell, what it counts, how far, the rate and the time left once known', () => {
    expect(progressLine('rl', { what: 'steps', done: 3, total: 20, rate: 0.52, secondsLeft: 32.7 })).toBe(
      '[rl] steps 3/20  0.52/s  left 0:33',
    );
    expect(progressLine('samples', { what: 'solutions', done: 0, total: 64 })).toBe('[samples] solutions 0/64');
    expect(progressLine('x', { what: 'traces', done: 1, total: 9, rate: 12.4, secondsLeft: Infinity })).toBe(
      '[x] traces 1/9  12/s',
    );
  });

  it('prints at most one line a second per cell, the last report always, then a summary', () => {
    let now = 0;
    const progress: string[] = [];
    const summary: string[] = [];
    const run = new RunProgress({ progress: (l) => progress.push(l), summary: (l) => summary.push(l) }, () => now);
    const running = (done: number) => ({
      status: 'running' as const,
      progress: { what: 'steps', done, total: 10, rate: 2, secondsLeft: (10 - done) / 2 },
    });
    for (let step = 1; step <= 9; step++) {
      now = step * 400;
      run.change('rl', running(step));
    }
    // 400 ms apart: steps 1, 4 and 7 are due; 9 waits and is printed when the cell ends.
    expect(progress).toEqual([
      '[rl] steps 1/10  2.0/s  left 0:05',
      '[rl] steps 4/10  2.0/s  left 0:03',
      '[rl] steps 7/10  2.0/s  left 0:02',
    ]);
    run.change('rl', { status: 'done', startedAt: 1_000, finishedAt: 84_000 });
    expect(progress.at(-1)).toBe('[rl] steps 9/10  2.0/s  left 0:01');
    expect(summary).toEqual(['rl: done in 1:23 (steps 9/10)']);
    run.change('load', { status: 'error', startedAt: 0, finishedAt: 4_000, error: 'no such model' });
    expect(summary.at(-1)).toBe('load: error after 0:04 (no such model)');
  });
});
