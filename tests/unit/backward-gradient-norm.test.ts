import { describe, expect, it } from 'vitest';
import { clipFactorRef, sumOfSquaresRef } from '../../src/engine/reference/backward/gradientNorm.ts';

describe('gradient norm twins', () => {
  it('sums squares over several buffers', () => {
    expect(sumOfSquaresRef([[3], [4, 0], []])).toBe(25);
  });

  it('clips to the maximum norm and leaves small gradients alone', () => {
    expect(clipFactorRef(25, 1) * 5).toBeCloseTo(1, 5);
    expect(clipFactorRef(0.25, 1)).toBe(1);
  });
});
