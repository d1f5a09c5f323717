// The backward tests differentiate small f64 forwards (tests/support/backward.ts); these must be the same
// functions as the engine's forward twins, or the gradients would be of the wrong thing.
import { describe, expect, it } from 'vitest';
import { packedKeys } from '../../src/engine/kernels/attention.ts';
import { attentionRowsRef } from '../../src/engine/reference/attention.ts';
import { ropeBackwardRef } from '../../src/engine/reference/backward/ropeBackward.ts';
import { siluGateRef } from '../../src/engine/reference/ops.ts';
import { rmsnormWithRstdRef } from '../../src/engine/reference/rmsnorm.ts';
import { ropeStridedRef } from '../../src/engine/reference/rope.ts';
import { attentionForward, rmsnormForward, ropeForward, siluGateForward } from '../support/backward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32 } from '../support/gpu.ts';

describe('the backward tests differentiate the engine forward', () => {
  it('rmsnorm, and the rstd it saves', () => {
    const [x, w] = [randomF32(3 * 10, 1), randomF32(10, 2)];
    const engine = rmsnormWithRstdRef(x, w, 3, 10, 1e-6);
    const local = rmsnormForward(x, w, 3, 10, 1e-6);
    expect(relativeError(engine.y, local.y)).toBeLessThan(1e-6);
    expect(relativeError(engine.rstd, local.rstd)).toBeLessThan(1e-6);
  });

  it('rope, and its inverse is the twin of the backward', () => {
    const x = randomF32(4 * 2 * 8, 3);
    const invFreq = Float32Array.from({ length: 4 }, (_, i) => 1e4 ** (-i / 4));
    const positions = [0, 1, 7, 300];
    const layout = { T: 4, nHeads: 2, headDim: 8 };
    expect(
      relativeError(ropeStridedRef(x, positions, invFreq, layout), ropeForward(x, positions, invFreq, 4, 2, 8)),
    ).toBeLessThan(1e-6);
    const inverse = ropeStridedRef(x, positions, invFreq, { ...layout, inverse: true });
    expect(relativeError(inverse, ropeBackwardRef(x, positions, invFreq, 4, 2, 8))).toBeLessThan(1e-6);
  });

  it('silu gate', () => {
    const [g, u] = [randomF32(20, 4), randomF32(20, 5)];
    expect(relativeError(siluGateRef(g, u), siluGateForward(g, u))).toBeLessThan(1e-6);
  });

  it('attention over packed sequences with GQA 3: outputs and the saved log-sum-exp', () => {
    const seqLengths = [5, 2, 4];
    const [q, k, v] = [randomF32(11 * 6 * 4, 6), randomF32(11 * 2 * 4, 7), randomF32(11 * 2 * 4, 8)];
    const local = attentionForward(q, k, v, { seqLengths, nHeads: 6, nKvHeads: 2, headDim: 4 });
    const engine = attentionRowsRef(q, k, v, packedKeys(seqLengths), { R: 11, nHeads: 6, nKvHeads: 2, headDim: 4 });
    expect(relativeError(engine.o, local.o)).toBeLessThan(1e-6);
    expect(relativeError(engine.lse, local.lse)).toBeLessThan(1e-6);
  });
});
