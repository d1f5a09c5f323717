import { describe, expect, it } from 'vitest';
import { embeddingBackwardRef } from '../../src/engine/reference/backward/embeddingBackward.ts';
import { embeddingForward, numericGradient } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

describe('embeddingBackwardRef against finite differences', () => {
  it('sums the gradients of repeated tokens into their row', () => {
    const [V, D] = [6, 3];
    const tokens = [2, 0, 2, 5, 2];
    const table = randomF32(V * D, 61);
    const dh = randomF32(tokens.length * D, 62);
    const de = embeddingBackwardRef(dh, tokens, V, D);
    expect(
      relativeError(
        de,
        numericGradient((tp) => embeddingForward(tp, tokens, D), table, dh),
      ),
    ).toBeLessThan(1e-4);
    expect(Array.from(de.subarray(1 * D, 2 * D))).toEqual([0, 0, 0]);
  });

  it('skips ids past the vocabulary (padding)', () => {
    const de = embeddingBackwardRef([1, 2, 3, 4], [1, 99], 2, 2);
    expect(Array.from(de)).toEqual([0, 0, 1, 2]);
  });
});
