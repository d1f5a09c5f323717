import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/engine/model/config.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { memoryModelSource } from '../../src/engine/load/source.ts';
import { readAllWeights, type LinearWeight, type ModelWeights } from '../../src/engine/load/weights.ts';
import { referenceLogits } from '../../src/engine/reference/forward.ts';
import { attentionRef, ropeRef, siluGateRef } from '../../src/engine/reference/ops.ts';
import { buildTinyModel } from '../support/tinyModel.ts';

const f32 = (rows: number, cols: number, values: number[]): LinearWeight => ({
  kind: 'f32',
  data: Float32Array.from(values),
  rows,
  cols,
});
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('reference ops', () => {
  it('rotates each (i, i + d/2) pair by position · inv_freq, so q·k depends on the distance only', () => {
    const [c, s] = [Math.cos(Math.fround(2 * 0.5)), Math.sin(Math.fround(2 * 0.5))];
    // headDim 4: pairs (0, 2) and (1, 3); inv_freq [0.5, 0] leaves the second pair alone.
    expect(Array.from(ropeRef([1, 7, 0, 9], [2], [0.5, 0], 1, 1, 4))).toEqual([c, 7, s, 9].map(Math.fround));
    const q = [0.3, -1.2, 0.8, 0.5];
    const k = [1.1, 0.4, -0.6, 0.2];
    const dot = (p: number, r: number) => {
      const a = ropeRef(q, [p], [0.7, 0.1], 1, 1, 4);
      const b = ropeRef(k, [r], [0.7, 0.1], 1, 1, 4);
      return a.reduce((sum, v, i) => sum + v * b[i], 0);
    };
    expect(dot(5, 3)).toBeCloseTo(dot(12, 10), 5);
  });

  it('computes silu(g) · u', () => {
    expect(siluGateRef([1, 0, -2], [2, 5, 1])[0]).toBeCloseTo(2 / (1 + Math.exp(-1)), 6);
    expect(Array.from(siluGateRef([1, 0, -2], [2, 5, 1])).slice(1)).toEqual([0, Math.fround(-2 / (1 + Math.exp(2)))]);
  });

  it('equals softmax(Q Kᵀ/√d + causal mask) V per head when kv heads = heads', () => {
    const [T, H, d] = [3, 2, 4];
    const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 13.7 + i * 1.3));
    const [q, k, v] = [values(T * H * d, 1), values(T * H * d, 2), values(T * H * d, 3)];
    const out = attentionRef(q, k, v, T, H, H, d);
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const at = (x: number[], row: number) => x.slice((row * H + h) * d, (row * H + h + 1) * d);
        const scores = Array.from({ length: T }, (_, s) =>
          s <= t ? at(q, t).reduce((acc, x, c) => acc + x * at(k, s)[c], 0) / Math.sqrt(d) : -Infinity,
        );
        const weights = scores.map(Math.exp);
        const total = weights.reduce((a, b) => a + b, 0);
        const expected = Array.from({ length: d }, (_, c) =>
          weights.reduce((acc, w, s) => acc + (w / total) * at(v, s)[c], 0),
        );
        expect(maxAbsDiff(out.slice((t * H + h) * d, (t * H + h + 1) * d), expected)).toBeLessThan(1e-6);
      }
    }
  });
});

describe('referenceLogits', () => {
  it('matches a hand-computed one-layer model', () => {
    // hidden 2, one head of dim 2, vocab 2, tied. Wq = Wk = 0 makes attention uniform over the visible
    // positions; Wv = Wo = I and a zero MLP leave x_t + mean_{s<=t} rmsnorm(x_s).
    const config: ModelConfig = {
      arch: 'llama',
      hiddenSize: 2,
      intermediateSize: 1,
      numLayers: 1,
      numHeads: 1,
      numKvHeads: 1,
      headDim: 2,
      vocabSize: 2,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      tieWordEmbeddings: true,
      qkvBias: false,
      maxPositions: 8,
      eosTokenIds: [],
    };
    const zero = f32(2, 2, [0, 0, 0, 0]);
    const identity = f32(2, 2, [1, 0, 0, 1]);
    const weights: ModelWeights = {
      embed: f32(2, 2, [1, 0, 0, 2]),
      layers: [
        {
          inputNorm: Float32Array.from([1, 1]),
          q: zero,
          k: zero,
          v: identity,
          o: identity,
          postNorm: Float32Array.from([1, 1]),
          gate: f32(1, 2, [0, 0]),
          up: f32(1, 2, [0, 0]),
          down: f32(2, 1, [0, 0]),
        },
      ],
      finalNorm: Float32Array.from([1, 1]),
    };
    const logits = referenceLogits(config, weights, [0, 1]);
    expect(maxAbsDiff(logits, [1.414213319732186, 0, 0.3574063859511867, 2.73661116296999])).toBeLessThan(1e-5);
    expect(() => referenceLogits(config, weights, [0, 2])).toThrow(
      /token id 2 at position 1 is outside the vocabulary \[0, 2\)/,
    );
  });

  for (const arch of ['qwen2', 'llama'] as const) {
    it(`${arch}: is causal (position t sees only tokens 0..t) and its logits are not degenerate`, () => {
      const { config, weights } = buildTinyModel({ arch, layout: 'hf', seed: 40 });
      const V = config.vocabSize;
      const full = referenceLogits(config, weights, [5, 17, 200, 3]);
      const changedTail = referenceLogits(config, weights, [5, 17, 9, 250]);
      expect(Array.from(full.subarray(0, 2 * V))).toEqual(Array.from(changedTail.subarray(0, 2 * V)));
      expect(maxAbsDiff(full.subarray(2 * V), changedTail.subarray(2 * V))).toBeGreaterThan(1e-3);
      const prefix = referenceLogits(config, weights, [5, 17, 200]);
      expect(maxAbsDiff(prefix, full.subarray(0, 3 * V))).toBeLessThan(1e-6);
      const row = Array.from(full.subarray(3 * V));
      const mean = row.reduce((a, b) => a + b, 0) / V;
      const std = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / V);
      expect(std).toBeGreaterThan(0.2);
      expect(std).toBeLessThan(5);
    });
  }

  it('GQA equals multi-head attention with each kv head repeated for its query heads', () => {
    const { config, weights } = buildTinyModel({ arch: 'qwen2', layout: 'hf', seed: 41 }); // 4 heads, 2 kv heads
    const group = config.numHeads / config.numKvHeads;
    const d = config.headDim;
    // kv head j's rows (and bias) copied to heads j·group .. j·group + group - 1.
    const repeatRows = (data: Float32Array, width: number) => {
      const out = new Float32Array(data.length * group);
      for (let h = 0; h < config.numHeads; h++)
        out.set(
          data.subarray(Math.floor(h / group) * d * width, (Math.floor(h / group) + 1) * d * width),
          h * d * width,
        );
      return out;
    };
    const mha: ModelWeights = {
      ...weights,
      layers: weights.layers.map((l) => ({
        ...l,
        k: f32(
          config.numHeads * d,
          config.hiddenSize,
          Array.from(repeatRows((l.k as { data: Float32Array }).data, config.hiddenSize)),
        ),
        v: f32(
          config.numHeads * d,
          config.hiddenSize,
          Array.from(repeatRows((l.v as { data: Float32Array }).data, config.hiddenSize)),
        ),
        kBias: repeatRows(l.kBias!, 1),
        vBias: repeatRows(l.vBias!, 1),
      })),
    };
    const ids = [1, 100, 42, 7, 64];
    const gqa = referenceLogits(config, weights, ids);
    const standard = referenceLogits({ ...config, numKvHeads: config.numHeads }, mha, ids);
    expect(maxAbsDiff(gqa, standard)).toBeLessThan(1e-5);
  });

  it('uses the Qwen2 q/k/v biases', () => {
    const { config, weights } = buildTinyModel({ arch: 'qwen2', layout: 'hf', seed: 42 });
    const noBias = {
      ...weights,
      layers: weights.layers.map((l) => ({ ...l, qBias: undefined, kBias: undefined, vBias: undefined })),
    };
    expect(
      maxAbsDiff(referenceLogits(config, weights, [3, 4]), referenceLogits(config, noBias, [3, 4])),
    ).toBeGreaterThan(1e-3);
  });

  it('runs q4 (MLC) weights and stays close to the unquantized model', async () => {
    const hf = buildTinyModel({ arch: 'llama', layout: 'hf', seed: 43 });
    const mlc = buildTinyModel({ arch: 'llama', layout: 'mlc-q4f16_1', seed: 43 });
    const q4 = await readAllWeights((await openModel(memoryModelSource(mlc.files))).weights);
    const ids = [10, 20, 30];
    const exact = referenceLogits(hf.config, hf.weights, ids);
    const quantized = referenceLogits(mlc.config, q4, ids);
    // q4 adds noise of about a tenth of each weight's size; unrelated logits would give a relative error near 1.4.
    const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0));
    const relativeError = norm(exact.map((v, i) => v - quantized[i])) / norm(exact);
    expect(relativeError).toBeLessThan(0.35);
    expect(relativeError).toBeGreaterThan(0); // it did run the quantized weights
    // Dequantizing on the fly gives exactly what the same weights in f32 give.
    expect(Array.from(quantized)).toEqual(Array.from(referenceLogits(mlc.config, mlc.weights, ids)));
  });
});
