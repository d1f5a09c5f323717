import { describe, expect, it } from 'vitest';
import { adamwStepRef } from '../../src/engine/reference/adamw.ts';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw.ts';

describe('AdamW CPU twin (hand-computed)', () => {
  const tensor = () => ({
    param: Float32Array.of(1, -2),
    grad: Float32Array.of(3, -4),
    m: new Float32Array(2),
    v: new Float32Array(2),
  });

  it('first step: bias correction makes the update lr · g/|g|, after decoupled weight decay', () => {
    const t = tensor();
    const norm = adamwStepRef([t], 1, 0.1, { ...DEFAULT_ADAMW, weightDecay: 0.5, maxGradNorm: 0 });
    expect(norm).toBeCloseTo(5, 12);
    expect(t.param[0]).toBeCloseTo(1 * (1 - 0.05) - 0.1, 6);
    expect(t.param[1]).toBeCloseTo(-2 * (1 - 0.05) + 0.1, 6);
    expect(Array.from(t.m)).toEqual([Math.fround(0.3), Math.fround(-0.4)]);
    expect(t.v[1]).toBeCloseTo(0.001 * 16, 7);
  });

  it('clips gradients to the global norm over all tensors, and a tensor can opt out of decay', () => {
    const t = tensor();
    const other = {
      ...tensor(),
      param: Float32Array.of(5),
      grad: Float32Array.of(0),
      m: new Float32Array(1),
      v: new Float32Array(1),
      weightDecay: 0,
    };
    adamwStepRef([t, other], 1, 0.1, { ...DEFAULT_ADAMW, weightDecay: 0.5, maxGradNorm: 2.5 });
    const clip = 2.5 / (5 + 1e-6);
    expect(t.m[0]).toBeCloseTo(0.1 * 3 * clip, 6);
    expect(other.param[0]).toBe(5);
  });

  it('later steps follow m/(√v + eps) with both corrections', () => {
    const t = tensor();
    adamwStepRef([t], 1, 0.1, { ...DEFAULT_ADAMW, maxGradNorm: 0 });
    t.grad.set([1, 1]);
    const p0 = t.param[0];
    adamwStepRef([t], 2, 0.1, { ...DEFAULT_ADAMW, maxGradNorm: 0 });
    const m = 0.9 * 0.3 + 0.1 * 1;
    const v = 0.999 * 0.009 + 0.001 * 1;
    expect(t.param[0]).toBeCloseTo(p0 - ((0.1 / (1 - 0.81)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.998001) + 1e-8), 5);
  });
});
