import { describe, expect, it } from 'vitest';
import {
  grpoWeights,
  groupAdvantages,
  sftWeights,
  type GrpoObjective,
  type GrpoTokens,
} from '../../src/engine/train/objective.ts';

const close = (got: ArrayLike<number>, want: number[], digits = 6) =>
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));

describe('groupAdvantages', () => {
  const rewards = [1, 0, 0, 0, 1, 1, 1, 1];

  it('subtracts the group mean and divides by the Bessel std + 1e-4; equal groups get 0', () => {
    const { advantages, zeroStdFraction } = groupAdvantages(rewards, 4, 'group');
    const s = 0.5 + 1e-4; // std of [1, 0, 0, 0] with n − 1 = 3: √(0.75/3) = 0.5
    close(advantages, [0.75 / s, -0.25 / s, -0.25 / s, -0.25 / s, 0, 0, 0, 0]);
    expect(zeroStdFraction).toBe(0.5);
  });

  it("leaves the mean-centred rewards unscaled with 'none' (Dr. GRPO)", () => {
    close(groupAdvantages(rewards, 4, 'none').advantages, [0.75, -0.25, -0.25, -0.25, 0, 0, 0, 0]);
  });

  it("divides by the whole batch's std with 'batch'", () => {
    const s = Math.sqrt(1.875 / 7) + 1e-4; // mean 0.625; Σ(r − mean)² = 5·0.375² + 3·0.625² = 1.875
    close(groupAdvantages(rewards, 4, 'batch').advantages, [0.75 / s, -0.25 / s, -0.25 / s, -0.25 / s, 0, 0, 0, 0]);
  });

  it('gives exactly 0 to a group of equal rewards whose float mean is inexact', () => {
    expect(Array.from(groupAdvantages([0.1, 0.1, 0.1], 3, 'none').advantages)).toEqual([0, 0, 0]);
  });

  it('rejects rewards that do not split into groups', () => {
    expect(() => groupAdvantages([1, 2, 3], 2, 'group')).toThrow(/groups of 2/);
  });
});

describe('sftWeights', () => {
  it('puts 1/n on the n completion tokens and 0 on the prompt', () => {
    close(sftWeights([0, 0, 1, 1, 1, 0]), [0, 0, 1 / 3, 1 / 3, 1 / 3, 0]);
    close(sftWeights([0, 1, 1], 8), [0, 1 / 8, 1 / 8]);
  });
});

describe('grpoWeights (hand-computed)', () => {
  // Token 0 is prompt; tokens 1, 2 belong to sequence 0 (A = 0.5), token 3 to sequence 1 (A = −1).
  const base: GrpoTokens = {
    sequenceOf: Int32Array.of(-1, 0, 0, 1),
    advantages: [0.5, -1],
    logp: Float32Array.of(-1, -2, -3, -4),
  };
  const objective = (o: Partial<GrpoObjective>): GrpoObjective => ({
    lossType: 'dapo',
    epsilonLow: 0.2,
    epsilonHigh: 0.2,
    beta: 0,
    ...o,
  });

  it('normalises by sequence length × sequences (grpo), batch tokens (dapo, bnpo) or a constant (dr_grpo)', () => {
    close(grpoWeights(base, objective({ lossType: 'grpo' })).weights, [0, 0.5 / 4, 0.5 / 4, -1 / 2]);
    close(grpoWeights(base, objective({ lossType: 'dapo' })).weights, [0, 0.5 / 3, 0.5 / 3, -1 / 3]);
    close(
      grpoWeights({ ...base, totals: { sequences: 4, tokens: 10, microBatches: 2 } }, objective({ lossType: 'dapo' }))
        .weights,
      [0, 0.05, 0.05, -0.1],
    );
    close(
      grpoWeights({ ...base, totals: { sequences: 4, tokens: 10, microBatches: 2 } }, objective({ lossType: 'bnpo' }))
        .weights,
      [0, 0.5 / 6, 0.5 / 6, -1 / 6],
    );
    close(
      grpoWeights(base, objective({ lossType: 'dr_grpo', maxCompletionLength: 4 })).weights,
      [0, 0.0625, 0.0625, -0.125],
    );
    expect(() => grpoWeights(base, objective({ lossType: 'dr_grpo' }))).toThrow(/maxCompletionLength/);
    expect(() => grpoWeights({ ...base, totals: { sequences: 2, tokens: 1, microBatches: 1 } }, objective({}))).toThrow(
      /at least this call's 3/,
    );
  });

  it('reports the surrogate loss −Σ A/N at ratio 1', () => {
    const r = grpoWeights(base, objective({ lossType: 'grpo' }));
    expect(r.loss).toBeCloseTo(-(0.5 / 4) * 2 + 1 / 2, 9);
    expect(r.tokens).toBe(3);
  });

  it('zeroes tokens whose clipped branch is active and scales the rest by the ratio', () => {
    // ratios: token 1 → 1.5 (A > 0: clipped high), token 2 → 0.5 (A > 0: unclipped), token 3 → 0.5 (A < 0: clipped low)
    const oldLogp = Float32Array.of(-1, -2 - Math.log(1.5), -3 - Math.log(0.5), -4 - Math.log(0.5));
    const r = grpoWeights({ ...base, oldLogp }, objective({}));
    close(r.weights, [0, 0, (0.5 * 0.5) / 3, 0]);
    expect([r.clippedHigh, r.clippedLow]).toEqual([1, 1]);
    // −min(ρA, clip(ρ)A): token 1 → −1.2·0.5, token 2 → −0.5·0.5, token 3 → −(0.8·−1)
    expect(r.loss).toBeCloseTo((-0.6 - 0.25 + 0.8) / 3, 5);
  });

  it('adds the k3 penalty −β(1 − e^{ref−logp})/N to w and its value to the metrics', () => {
    const refLogp = Float32Array.of(0, -2 + Math.log(2), -3, -4);
    const r = grpoWeights({ ...base, refLogp }, objective({ beta: 0.1 }));
    close(r.weights, [0, 0.5 / 3 + 0.1 / 3, 0.5 / 3, -1 / 3], 5);
    expect(r.klSum).toBeCloseTo(2 - Math.log(2) - 1, 5);
    expect(() => grpoWeights(base, objective({ beta: 0.1 }))).toThrow(/refLogp/);
  });
});

describe('grpoWeights equals the gradient of the GRPO surrogate (toy softmax policy)', () => {
  // Policy: one free logit vector per token, θ [T, V]; the surrogate is written out here, independently,
  // from TRL's formula, and differentiated by central finite differences.
  const T = 5;
  const V = 4;
  const targets = [2, 0, 3, 1, 1];
  const sequenceOf = Int32Array.of(-1, 0, 0, 1, 1);
  const advantages = [0.7, -1.3];
  const theta0 = Float64Array.from({ length: T * V }, (_, i) => Math.sin(i * 1.7) * 1.5);
  const ref = Float64Array.from({ length: T }, (_, t) => -1.2 - 0.1 * t);

  const logSoftmax = (theta: Float64Array, t: number) => {
    const row = theta.subarray(t * V, t * V + V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    return row[targets[t]] - lse;
  };
  const logps = (theta: Float64Array) => Float64Array.from({ length: T }, (_, t) => logSoftmax(theta, t));

  function surrogate(theta: Float64Array, old: Float64Array, o: GrpoObjective): number {
    const lp = logps(theta);
    let sum = 0;
    let count = 0;
    for (let t = 0; t < T; t++) {
      if (sequenceOf[t] < 0) continue;
      const a = advantages[sequenceOf[t]];
      const rho = Math.exp(lp[t] - old[t]);
      const clip = Math.min(Math.max(rho, 1 - o.epsilonLow), 1 + o.epsilonHigh);
      const d = ref[t] - lp[t];
      sum += -Math.min(rho * a, clip * a) + o.beta * (Math.exp(d) - d - 1);
      count++;
    }
    return sum / count; // dapo
  }

  function check(old: Float64Array, o: GrpoObjective) {
    const w = grpoWeights(
      {
        sequenceOf,
        advantages,
        logp: Float32Array.from(logps(theta0)),
        oldLogp: Float32Array.from(old),
        refLogp: Float32Array.from(ref),
      },
      o,
    );
    expect(w.loss).toBeCloseTo(surrogate(theta0, old, o), 5);
    const h = 1e-5;
    for (let i = 0; i < T * V; i++) {
      const plus = Float64Array.from(theta0);
      const minus = Float64Array.from(theta0);
      plus[i] += h;
      minus[i] -= h;
      const numeric = (surrogate(plus, old, o) - surrogate(minus, old, o)) / (2 * h);
      // d(−Σ w log p)/dθ_{t,v} = −w_t (onehot − softmax)
      const t = Math.floor(i / V);
      const v = i % V;
      const p = Math.exp(logSoftmax(theta0, t) - theta0[t * V + targets[t]] + theta0[i]);
      const analytic = -w.weights[t] * ((v === targets[t] ? 1 : 0) - p);
      expect(analytic).toBeCloseTo(numeric, 5);
    }
    return w;
  }

  it('μ = 1 (old = current, detached), with the KL penalty', () => {
    check(logps(theta0), { lossType: 'dapo', epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0.05 });
  });

  it('μ > 1: ratios away from 1, some tokens clipped', () => {
    const old = logps(theta0).map((l, t) => l + [0, 0.5, -0.4, 0.5, 0.05][t]);
    const w = check(old, { lossType: 'dapo', epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0 });
    expect([w.clippedHigh, w.clippedLow]).toEqual([1, 1]);
    expect(w.weights.filter((x) => x !== 0).length).toBeGreaterThan(1);
  });
});
