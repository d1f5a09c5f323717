import { describe, expect, it } from 'vitest';
import { attentionBackwardRef, type AttentionShape } from '../../src/engine/reference/backward/attentionBackward.ts';
import { attentionForward, numericGradient } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

const shapes: AttentionShape[] = [
  { seqLengths: [1], nHeads: 1, nKvHeads: 1, headDim: 2 },
  { seqLengths: [5], nHeads: 2, nKvHeads: 2, headDim: 4 },
  { seqLengths: [3, 4, 1], nHeads: 4, nKvHeads: 2, headDim: 6 },
  { seqLengths: [2, 5], nHeads: 7, nKvHeads: 1, headDim: 4 },
];

describe('attentionBackwardRef against finite differences', () => {
  for (const shape of shapes) {
    const { seqLengths, nHeads, nKvHeads, headDim } = shape;
    it(`matches dq, dk, dv for lengths [${seqLengths}] heads ${nHeads}/${nKvHeads} d=${headDim}`, () => {
      const T = seqLengths.reduce((a, b) => a + b, 0);
      // Scaled up so the softmax is far from uniform and the test can tell P from 1/n.
      const q = Float64Array.from(randomF32(T * nHeads * headDim, 41), (x) => 2 * x);
      const k = Float64Array.from(randomF32(T * nKvHeads * headDim, 42), (x) => 2 * x);
      const v = randomF32(T * nKvHeads * headDim, 43);
      const dO = randomF32(T * nHeads * headDim, 44);
      const { o, lse } = attentionForward(q, k, v, shape);
      const { dq, dk, dv } = attentionBackwardRef({ q, k, v, o, lse }, dO, shape);
      const out = (qp: ArrayLike<number>, kp: ArrayLike<number>, vp: ArrayLike<number>) =>
        attentionForward(qp, kp, vp, shape).o;
      expect(
        relativeError(
          dq,
          numericGradient((p) => out(p, k, v), q, dO),
        ),
      ).toBeLessThan(1e-4);
      expect(
        relativeError(
          dk,
          numericGradient((p) => out(q, p, v), k, dO),
        ),
      ).toBeLessThan(1e-4);
      expect(
        relativeError(
          dv,
          numericGradient((p) => out(q, k, p), v, dO),
        ),
      ).toBeLessThan(1e-4);
    });
  }

  it('keeps packed sequences apart: a later sequence sends no gradient to an earlier one', () => {
    const shape: AttentionShape = { seqLengths: [3, 3], nHeads: 2, nKvHeads: 1, headDim: 4 };
    const q = randomF32(6 * 8, 45);
    const k = randomF32(6 * 4, 46);
    const v = randomF32(6 * 4, 47);
    const dO = new Float64Array(6 * 8);
    dO.fill(1, 3 * 8); // gradient only on the second sequence's outputs
    const { o, lse } = attentionForward(q, k, v, shape);
    const { dk, dv } = attentionBackwardRef({ q, k, v, o, lse }, dO, shape);
    expect(Array.from(dk.subarray(0, 12)).every((x) => x === 0)).toBe(true);
    expect(Array.from(dv.subarray(0, 12)).every((x) => x === 0)).toBe(true);
    expect(Array.from(dv.subarray(12)).some((x) => x !== 0)).toBe(true);
  });
});
