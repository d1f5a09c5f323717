import { describe, expect, it } from 'vitest';
import { fusedLossRef } from '../../src/engine/reference/fusedLoss.ts';
import { Rng } from '../../src/engine/train/rng.ts';

describe('fused loss CPU twin', () => {
  const [T, V, D] = [3, 7, 4];
  const rng = new Rng(5);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const h = rand(T * D);
  const e = rand(V * D);
  const targets = [6, 0, 3];
  const weights = [0, 0.5, 0.5]; // token 0 is prompt
  const ref = fusedLossRef(h, e, targets, weights, T, V, D);

  it('logp is the log-softmax of z = H Eᵀ at the target, and L = −Σ w logp', () => {
    for (let t = 0; t < T; t++) {
      const z = Array.from({ length: V }, (_, v) =>
        Array.from({ length: D }, (_, d) => h[t * D + d] * e[v * D + d]).reduce((a, b) => a + b),
      );
      const p = Math.exp(z[targets[t]]) / z.reduce((s, x) => s + Math.exp(x), 0);
      expect(ref.logp[t]).toBeCloseTo(Math.log(p), 6);
    }
    expect(ref.loss).toBeCloseTo(-0.5 * (ref.logp[1] + ref.logp[2]), 6);
  });

  for (const [name, which] of [
    ['dH', 'h'],
    ['dE', 'e'],
  ] as const) {
    it(`${name} matches central finite differences of L`, () => {
      const x = which === 'h' ? h : e;
      const got = which === 'h' ? ref.dh : ref.de;
      const step = 1e-2;
      for (let i = 0; i < x.length; i++) {
        const plus = Float32Array.from(x);
        const minus = Float32Array.from(x);
        plus[i] += step;
        minus[i] -= step;
        const at = (v: Float32Array) =>
          (which === 'h'
            ? fusedLossRef(v, e, targets, weights, T, V, D)
            : fusedLossRef(h, v, targets, weights, T, V, D)
          ).loss;
        expect(got[i]).toBeCloseTo((at(plus) - at(minus)) / (2 * step), 3);
      }
    });
  }

  it('divides the logits by the sampling temperature: logp, dH and dE match finite differences at τ = 0.6', () => {
    const tau = 0.6;
    const at = (hh: Float32Array, ee: Float32Array) => fusedLossRef(hh, ee, targets, weights, T, V, D, tau);
    const hot = at(h, e);
    for (let t = 0; t < T; t++) {
      const z = Array.from(
        { length: V },
        (_, v) => Array.from({ length: D }, (_, d) => h[t * D + d] * e[v * D + d]).reduce((a, b) => a + b) / tau,
      );
      const p = Math.exp(z[targets[t]]) / z.reduce((s, x) => s + Math.exp(x), 0);
      expect(hot.logp[t]).toBeCloseTo(Math.log(p), 6);
    }
    expect(hot.logp[1]).not.toBeCloseTo(ref.logp[1], 3);
    const step = 1e-2;
    for (const [x, got, loss] of [
      [h, hot.dh, (v: Float32Array) => at(v, e).loss],
      [e, hot.de, (v: Float32Array) => at(h, v).loss],
    ] as const) {
      for (let i = 0; i < x.length; i++) {
        const plus = Float32Array.from(x);
        const minus = Float32Array.from(x);
        plus[i] += step;
        minus[i] -= step;
        expect(got[i]).toBeCloseTo((loss(plus) - loss(minus)) / (2 * step), 3);
      }
    }
  });

  it('gives tokens of weight 0 no gradient, and rejects targets outside the vocabulary', () => {
    expect(Array.from(ref.dh.slice(0, D))).toEqual([0, 0, 0, 0]);
    expect(ref.dh.slice(D).some((x) => x !== 0)).toBe(true);
    expect(() => fusedLossRef(h, e, [7, 0, 0], weights, T, V, D)).toThrow(/target 7 of token 0/);
  });
});
