import { describe, expect, it } from 'vitest';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig, loraScale, targetShape } from '../../src/engine/lora/config.ts';
import type { LoraShape } from '../../src/engine/lora/kernels.ts';
import { loraBackwardRef, loraForwardRef } from '../../src/engine/reference/lora.ts';
import { Rng } from '../../src/engine/train/rng.ts';

function random(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

describe('LoRA CPU twin', () => {
  const d: LoraShape = { T: 3, inFeatures: 5, outFeatures: 4, rank: 2, scale: 1.5 };
  const rng = new Rng(3);
  const x = random(d.T * d.inFeatures, rng);
  const a = random(d.rank * d.inFeatures, rng);
  const b = random(d.outFeatures * d.rank, rng);
  const y0 = random(d.T * d.outFeatures, rng);
  const g = random(d.T * d.outFeatures, rng); // L = Σ g ∘ y, so dy = g

  const loss = (xv: Float32Array, av: Float32Array, bv: Float32Array) =>
    loraForwardRef(xv, av, bv, y0, d).y.reduce((s, y, i) => s + y * g[i], 0);

  /** Central finite differences of the loss in every entry of one input. */
  function numericGrad(which: 0 | 1 | 2): Float64Array {
    const inputs = [x, a, b];
    const out = new Float64Array(inputs[which].length);
    const h = 1e-2;
    for (let i = 0; i < out.length; i++) {
      const plus = inputs.map((t) => Float32Array.from(t));
      const minus = inputs.map((t) => Float32Array.from(t));
      plus[which][i] += h;
      minus[which][i] -= h;
      out[i] = (loss(plus[0], plus[1], plus[2]) - loss(minus[0], minus[1], minus[2])) / (2 * h);
    }
    return out;
  }

  const grads = loraBackwardRef(x, g, loraForwardRef(x, a, b, y0, d).u, a, b, d);
  for (const [name, which, got] of [
    ['dx', 0, grads.dx],
    ['dA', 1, grads.da],
    ['dB', 2, grads.db],
  ] as const) {
    it(`${name} matches finite differences`, () => {
      const want = numericGrad(which);
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 3));
      expect(want.some((w) => Math.abs(w) > 0.05)).toBe(true);
    });
  }

  it('forward adds s · (x Aᵀ) Bᵀ to y (hand-sized example)', () => {
    const one = { T: 1, inFeatures: 2, outFeatures: 1, rank: 1, scale: 2 };
    const { u, y } = loraForwardRef(
      Float32Array.of(1, 2),
      Float32Array.of(3, 4),
      Float32Array.of(5),
      Float32Array.of(1),
      one,
    );
    expect(Array.from(u)).toEqual([11]);
    expect(Array.from(y)).toEqual([1 + 2 * 11 * 5]);
  });
});

describe('LoRA config and init', () => {
  const model = { hiddenSize: 32, intermediateSize: 48, numHeads: 4, numKvHeads: 2, headDim: 8, numLayers: 3 };

  it('defaults to all seven targets, alpha = rank, and rejects bad values with the cause', () => {
    const c = loraConfig({ rank: 4 });
    expect(c).toEqual({
      rank: 4,
      alpha: 4,
      targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
      dropout: 0,
      rslora: false,
    });
    expect(loraConfig({ rank: 2, targets: ['down', 'q'] }).targets).toEqual(['q', 'down']);
    expect(() => loraConfig({ rank: 0 })).toThrow(/rank/);
    expect(() => loraConfig({ rank: 4, targets: ['lm_head' as 'q'] })).toThrow(/unknown target "lm_head"/);
    expect(() => loraConfig({ rank: 4, dropout: 0.1 as 0 })).toThrow(/dropout/);
  });

  it('scales by alpha/r, or alpha/√r with rsLoRA', () => {
    expect(loraScale(loraConfig({ rank: 16, alpha: 32 }))).toBe(2);
    expect(loraScale(loraConfig({ rank: 16, alpha: 32, rslora: true }))).toBe(8);
  });

  it('gives each projection its [out, in] shape', () => {
    expect(targetShape(model, 'q')).toEqual({ inFeatures: 32, outFeatures: 32 });
    expect(targetShape(model, 'k')).toEqual({ inFeatures: 32, outFeatures: 16 });
    expect(targetShape(model, 'o')).toEqual({ inFeatures: 32, outFeatures: 32 });
    expect(targetShape(model, 'up')).toEqual({ inFeatures: 32, outFeatures: 48 });
    expect(targetShape(model, 'down')).toEqual({ inFeatures: 48, outFeatures: 32 });
  });

  it('initialises A ~ U(−1/√in, 1/√in) and B = 0, reproducibly from the seed', () => {
    const config = loraConfig({ rank: 8, targets: ['q', 'down'] });
    const adapter = initLoraAdapter(model, config, 42);
    expect(adapter.modules.map((m) => `${m.layer}.${m.target}`)).toEqual([
      '0.q',
      '0.down',
      '1.q',
      '1.down',
      '2.q',
      '2.down',
    ]);
    for (const m of adapter.modules) {
      expect(m.a.length).toBe(8 * m.inFeatures);
      expect(m.b.length).toBe(m.outFeatures * 8);
      expect(m.b.every((v) => v === 0)).toBe(true);
      const bound = 1 / Math.sqrt(m.inFeatures);
      expect(m.a.every((v) => Math.abs(v) <= bound)).toBe(true);
      const variance = m.a.reduce((s, v) => s + v * v, 0) / m.a.length;
      expect(variance).toBeGreaterThan(((bound * bound) / 3) * 0.7); // U(−b, b) has variance b²/3
      expect(variance).toBeLessThan(((bound * bound) / 3) * 1.3);
    }
    expect(initLoraAdapter(model, config, 42).modules[3].a).toEqual(adapter.modules[3].a);
    expect(initLoraAdapter(model, config, 43).modules[3].a).not.toEqual(adapter.modules[3].a);
  });
});

describe('Rng', () => {
  it('resumes from its saved state with the same sequence', () => {
    const rng = new Rng(9);
    for (let i = 0; i < 5; i++) rng.nextU32();
    const resumed = Rng.fromState(rng.state());
    const left = Array.from({ length: 8 }, () => rng.nextU32());
    expect(Array.from({ length: 8 }, () => resumed.nextU32())).toEqual(left);
    expect(new Set(left).size).toBe(8);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zero/);
    expect(() => Rng.fromState([1, 2])).toThrow(/four u32/);
  });
});
