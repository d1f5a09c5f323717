import { describe, expect, it } from 'vitest';
import { learningRate, validateSchedule } from '../../src/engine/train/schedule.ts';

describe('learning-rate schedules', () => {
  it('constant', () => {
    expect([0, 5, 1000].map((s) => learningRate({ kind: 'constant', lr: 1e-4 }, s))).toEqual([1e-4, 1e-4, 1e-4]);
  });

  it('linear warmup, then flat', () => {
    const s = { kind: 'warmup', lr: 1, warmupSteps: 4 } as const;
    expect([0, 1, 2, 3, 4, 100].map((step) => learningRate(s, step))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('warmup then cosine down to the floor, and stays there', () => {
    const s = { kind: 'cosine', lr: 1, warmupSteps: 2, totalSteps: 12, floor: 0.1 } as const;
    expect(learningRate(s, 0)).toBe(0.5);
    expect(learningRate(s, 2)).toBe(1);
    expect(learningRate(s, 7)).toBeCloseTo(0.55, 12); // halfway: floor + (1 − floor)/2
    expect(learningRate(s, 12)).toBeCloseTo(0.1, 12);
    expect(learningRate(s, 50)).toBeCloseTo(0.1, 12);
    expect(learningRate({ ...s, floor: 0 }, 12)).toBeCloseTo(0, 12);
    for (let step = 3; step < 12; step++) expect(learningRate(s, step)).toBeLessThan(learningRate(s, step - 1));
  });

  it('rejects bad fields and steps, naming them', () => {
    expect(() => validateSchedule({ kind: 'cosine', lr: 1, warmupSteps: 10, totalSteps: 5, floor: 0 })).toThrow(
      /totalSteps/,
    );
    expect(() => validateSchedule({ kind: 'warmup', lr: -1, warmupSteps: 1 })).toThrow(/"lr"/);
    expect(() => validateSchedule({ kind: 'cosine', lr: 1, warmupSteps: 0, totalSteps: 5, floor: 2 })).toThrow(/floor/);
    expect(() => learningRate({ kind: 'constant', lr: 1 }, -1)).toThrow(/step/);
  });
});
