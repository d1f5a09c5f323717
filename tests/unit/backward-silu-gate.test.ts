import { describe, expect, it } from 'vitest';
import { siluGateBackwardRef } from '../../src/engine/reference/backward/siluGateBackward.ts';
import { numericGradient, siluGateForward } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

describe('siluGateBackwardRef against finite differences', () => {
  it('matches dg and du, including large |g| where σ saturates', () => {
    const g = Float64Array.from(randomF32(40, 31), (v, i) => v * (i % 4 === 0 ? 12 : 3));
    const u = randomF32(40, 32);
    const dm = randomF32(40, 33);
    const { dg, du } = siluGateBackwardRef(dm, g, u);
    expect(
      relativeError(
        dg,
        numericGradient((gp) => siluGateForward(gp, u), g, dm),
      ),
    ).toBeLessThan(1e-4);
    expect(
      relativeError(
        du,
        numericGradient((up) => siluGateForward(g, up), u, dm),
      ),
    ).toBeLessThan(1e-4);
  });
});
