import { describe, expect, it } from 'vitest';
import { conditionResult, gain, OFFLINE_CONDITIONS, targets, wilson } from '../../src/cli/commands/experiment.ts';
import type { CellState } from '../../src/notebook/runner.ts';
import type { JsonValue } from '../../src/store/schema.ts';

const counts = (v: number) => ({ verification: v, backtracking: v, subgoal: v, backward: v });
const evalAt = (step: number, accuracy: number, shown: number) => ({
  step,
  accuracy,
  meanReward: accuracy,
  meanLength: 300,
  behaviors: counts(shown * 2),
  shown: counts(shown),
});
const rlState = (evals: ReturnType<typeof evalAt>[]): CellState => ({
  status: 'done',
  value: { type: 'model', evals } as unknown as JsonValue,
  startedAt: 0,
  finishedAt: 61_000,
});

describe('the offline experiment results', () => {
  it('gives a share with its 95% Wilson interval', () => {
    const none = wilson(0, 256);
    expect(none.value).toBe(0);
    expect(none.ci95[0]).toBe(0);
    expect(none.ci95[1]).toBeCloseTo(0.0148, 3);
    const half = wilson(128, 256);
    expect(half.ci95[0]).toBeCloseTo(0.439, 3);
    expect(half.ci95[1]).toBeCloseTo(0.561, 3);
  });

  it('gives a gain with the interval of a difference of two shares', () => {
    const g = gain(wilson(32, 256), wilson(64, 256));
    expect(g.value).toBeCloseTo(0.125, 6);
    expect(g.ci95[0]).toBeCloseTo(0.125 - 1.96 * Math.sqrt((0.125 * 0.875 + 0.25 * 0.75) / 256), 6);
  });

  it('reads behaviors after priming at step 0 and accuracy before and after RL, and judges the targets', () => {
    const outputs: Record<string, CellState> = {
      primed: { status: 'done', startedAt: 0, finishedAt: 5000 },
      rl: rlState([evalAt(0, 0.1, 0.9), evalAt(10, 0.3, 0.95)]),
      rl_empty: rlState([evalAt(0, 0.1, 0), evalAt(10, 0.12, 0)]),
    };
    const [primed, empty] = OFFLINE_CONDITIONS.map((c) => conditionResult(outputs, c, 256));
    expect(primed.behaviorsAfterPriming).toEqual(counts(0.9));
    expect(primed.accuracyBeforeRl.value).toBeCloseTo(0.1, 2);
    expect(primed.accuracyAfterRl).toMatchObject({ n: 256, step: 10 });
    expect(primed.seconds).toEqual({ prime: 5, rl: 61 });
    expect(empty.seconds.prime).toBeNull();
    expect(targets(primed, empty, 1700)).toEqual({
      behaviorsAfterAllStrategiesAtLeast80: true,
      behaviorsAfterEmptyCotAtMost10: true,
      primedGainBeyondInterval: true,
      primedGainAboveEmptyGain: true,
      notebookWithin30Minutes: true,
    });
    expect(targets(empty, primed, 1900)).toMatchObject({
      behaviorsAfterAllStrategiesAtLeast80: false,
      primedGainBeyondInterval: false,
      notebookWithin30Minutes: false,
    });
  });

  it('names an rl cell without held-out evaluations', () => {
    const outputs = { rl: { status: 'done', value: { type: 'model' } } } as Record<string, CellState>;
    expect(() => conditionResult(outputs, OFFLINE_CONDITIONS[0], 256)).toThrow(/cell "rl" has no held-out/);
  });
});
