import { describe, expect, it } from 'vitest';
import { ropeBackwardRef } from '../../src/engine/reference/backward/ropeBackward.ts';
import { numericGradient, ropeForward } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

describe('ropeBackwardRef against finite differences', () => {
  for (const [T, nHeads, headDim] of [
    [1, 1, 2],
    [5, 3, 8],
    [4, 2, 6],
  ] as const) {
    it(`matches for T=${T} heads=${nHeads} d=${headDim}`, () => {
      const positions = Array.from({ length: T }, (_, t) => ((t * 7) % 5) + t);
      const invFreq = Array.from({ length: headDim / 2 }, (_, i) => 10000 ** (-(2 * i) / headDim));
      const x = randomF32(T * nHeads * headDim, 21);
      const dy = randomF32(T * nHeads * headDim, 22);
      const dx = ropeBackwardRef(dy, positions, invFreq, T, nHeads, headDim);
      const numeric = numericGradient((xp) => ropeForward(xp, positions, invFreq, T, nHeads, headDim), x, dy);
      expect(relativeError(dx, numeric)).toBeLessThan(1e-4);
    });
  }
});
