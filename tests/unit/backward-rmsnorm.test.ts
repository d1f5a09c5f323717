import { describe, expect, it } from 'vitest';
import { rmsnormBackwardRef } from '../../src/engine/reference/backward/rmsnormBackward.ts';
import { numericGradient, rmsnormForward } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

describe('rmsnormBackwardRef against finite differences', () => {
  for (const [T, D] of [
    [1, 1],
    [3, 5],
    [4, 16],
  ] as const) {
    it(`matches dx and dw for T=${T} D=${D}`, () => {
      const eps = 1e-6;
      const x = randomF32(T * D, 11);
      const w = randomF32(D, 12);
      const dy = randomF32(T * D, 13);
      const { rstd } = rmsnormForward(x, w, T, D, eps);
      const { dx, dw } = rmsnormBackwardRef(dy, x, w, rstd, T, D);
      const numericDx = numericGradient((xp) => rmsnormForward(xp, w, T, D, eps).y, x, dy);
      const numericDw = numericGradient((wp) => rmsnormForward(x, wp, T, D, eps).y, w, dy);
      expect(relativeError(dx, numericDx)).toBeLessThan(1e-4);
      expect(relativeError(dw, numericDw)).toBeLessThan(1e-4);
    });
  }
});
