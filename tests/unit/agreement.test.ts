import { describe, expect, it } from 'vitest';
import { annotatorAgreement, cohenKappa } from '../../src/behaviors/agreement.ts';
import type { Annotation, BehaviorCounts } from '../../src/behaviors/types.ts';

const ann = (
  annotator: string,
  v: number,
  b: number,
  s = 0,
  w = 0,
  error?: string,
): Annotation & { error?: string } => ({
  annotator,
  counts: { verification: v, backtracking: b, subgoal: s, backward: w } satisfies BehaviorCounts,
  spans: [],
  ...(error ? { error } : {}),
});

describe('cohenKappa', () => {
  it('matches a hand-computed value', () => {
    // A: T T F F T, B: T F F F T. Observed 4/5 = 0.8. Rates 0.6 and 0.4:
    // expected = 0.6*0.4 + 0.4*0.6 = 0.48; kappa = (0.8 - 0.48) / 0.52 = 0.615384...
    expect(cohenKappa([true, true, false, false, true], [true, false, false, false, true])).toBeCloseTo(
      0.32 / 0.52,
      12,
    );
  });

  it('is 1 for perfect agreement with both labels used, and negative for systematic disagreement', () => {
    expect(cohenKappa([true, false, true, false], [true, false, true, false])).toBe(1);
    // Observed 0, expected 0.5*0.5 + 0.5*0.5 = 0.5: kappa = -0.5 / 0.5 = -1.
    expect(cohenKappa([true, false, true, false], [false, true, false, true])).toBe(-1);
  });

  it('is undefined (null) when expected agreement is 1: both gave every trace the same label', () => {
    expect(cohenKappa([false, false, false], [false, false, false])).toBeNull();
    expect(cohenKappa([true, true], [true, true])).toBeNull();
  });

  it('is 0 when one side is constant and the other is not', () => {
    // Observed 2/4 = 0.5; rates 0 and 0.5: expected = 0*0.5 + 1*0.5 = 0.5; kappa = 0.
    expect(cohenKappa([false, false, false, false], [true, false, true, false])).toBe(0);
  });
});

describe('annotatorAgreement', () => {
  const rules = [ann('rules', 2, 1), ann('rules', 0, 3), ann('rules', 1, 0), ann('rules', 0, 0)];
  const judge = [ann('claude:x', 3, 1), ann('claude:x', 0, 0), ann('claude:x', 0, 0), ann('claude:x', 1, 0)];

  it('reports presence accuracy, kappa and count difference per behavior, hand-computed', () => {
    const report = annotatorAgreement(rules, judge);
    expect(report.compared).toBe(4);
    expect(report.annotatorA).toBe('rules');
    expect(report.annotatorB).toBe('claude:x');
    // verification presence A: T F T F, B: T F F T. Observed 2/4; rates 0.5, 0.5 -> expected 0.5 -> kappa 0.
    const v = report.perBehavior.verification;
    expect(v.presenceAccuracy).toBe(0.5);
    expect(v.kappa).toBe(0);
    expect(v.meanAbsCountDiff).toBe((1 + 0 + 1 + 1) / 4);
    // backtracking A: T T F F, B: T F F F. Observed 3/4; rates 0.5 and 0.25:
    // expected 0.5*0.25 + 0.5*0.75 = 0.5 -> kappa (0.75 - 0.5) / 0.5 = 0.5.
    const b = report.perBehavior.backtracking;
    expect(b.presenceAccuracy).toBe(0.75);
    expect(b.kappa).toBeCloseTo(0.5, 12);
    expect(b.meanAbsCountDiff).toBe((0 + 3 + 0 + 0) / 4);
    expect(b.presentRateA).toBe(0.5);
    expect(b.presentRateB).toBe(0.25);
    // subgoal and backward: nobody ever marks them, so kappa is undefined and accuracy is 1.
    expect(report.perBehavior.subgoal.kappa).toBeNull();
    expect(report.perBehavior.backward.presenceAccuracy).toBe(1);
    expect(report.summary.meanPresenceAccuracy).toBe((0.5 + 0.75 + 1 + 1) / 4);
    expect(report.summary.meanKappa).toBeCloseTo((0 + 0.5) / 2, 12);
    expect(report.summary.meanAbsCountDiff).toBe((0.75 + 0.75 + 0 + 0) / 4);
  });

  it('leaves out traces whose judge failed and says which', () => {
    const failed = [...judge.slice(0, 3), ann('claude:x', 0, 0, 0, 0, 'unreadable judge reply')];
    const report = annotatorAgreement(rules, failed);
    expect(report.compared).toBe(3);
    expect(report.skipped).toEqual([3]);
    expect(report.perBehavior.verification.presenceAccuracy).toBeCloseTo(2 / 3, 12);
  });

  it('rejects annotation lists of different lengths, or with nothing to compare', () => {
    expect(() => annotatorAgreement(rules, judge.slice(1))).toThrow(/A has 4 annotations but B has 3/);
    expect(() => annotatorAgreement([ann('r', 0, 0, 0, 0, 'x')], [ann('j', 0, 0)])).toThrow(
      /no trace has a usable annotation/,
    );
  });
});
