import { describe, expect, it } from 'vitest';
import { biasGradRef, weightGradRef } from '../../src/engine/reference/backward/linearBackward.ts';
import { linearForward, numericGradient } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

describe('linear-layer gradient twins against finite differences', () => {
  it('matches dW = dyᵀ x and db = Σ dy for M=4 N=3 K=5', () => {
    const [M, N, K] = [4, 3, 5];
    const x = randomF32(M * K, 51);
    const w = randomF32(N * K, 52);
    const b = randomF32(N, 53);
    const dy = randomF32(M * N, 54);
    expect(
      relativeError(
        weightGradRef(dy, x, M, N, K),
        numericGradient((wp) => linearForward(x, wp, b, M, N, K), w, dy),
      ),
    ).toBeLessThan(1e-4);
    expect(
      relativeError(
        biasGradRef(dy, M, N),
        numericGradient((bp) => linearForward(x, w, bp, M, N, K), b, dy),
      ),
    ).toBeLessThan(1e-4);
  });

  it('scales the weight gradient', () => {
    const dy = randomF32(6, 55);
    const x = randomF32(4, 56);
    const once = weightGradRef(dy, x, 2, 3, 2);
    const scaled = weightGradRef(dy, x, 2, 3, 2, 0.25);
    expect(
      relativeError(
        scaled,
        once.map((g) => g * 0.25),
      ),
    ).toBe(0);
  });
});
