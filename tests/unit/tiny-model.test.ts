import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearToF32 } from '../../src/engine/load/weights.ts';
import { buildTinyModel, writeTinyModel } from '../support/tinyModel.ts';

const std = (x: Float32Array) => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
};

describe('tiny model generator', () => {
  it('is deterministic in the seed', () => {
    const a = buildTinyModel({ arch: 'llama', layout: 'hf', dtype: 'bf16', seed: 50 });
    const b = buildTinyModel({ arch: 'llama', layout: 'hf', dtype: 'bf16', seed: 50 });
    const c = buildTinyModel({ arch: 'llama', layout: 'hf', dtype: 'bf16', seed: 51 });
    const weightsFile = (m: typeof a) => Buffer.from(m.files.find((f) => f.name === 'model.safetensors')!.bytes);
    expect(weightsFile(a).equals(weightsFile(b))).toBe(true);
    expect(weightsFile(a).equals(weightsFile(c))).toBe(false);
  });

  it('follows the requested sizes and writes real config fields', () => {
    const m = buildTinyModel({
      arch: 'qwen2',
      layout: 'hf',
      seed: 52,
      hiddenSize: 96,
      numHeads: 6,
      numKvHeads: 3,
      headDim: 16,
      intermediateSize: 64,
      vocabSize: 100,
      numLayers: 3,
    });
    expect(m.config).toMatchObject({
      hiddenSize: 96,
      numHeads: 6,
      numKvHeads: 3,
      headDim: 16,
      intermediateSize: 64,
      vocabSize: 100,
      numLayers: 3,
      qkvBias: true,
      eosTokenIds: [2, 4],
    });
    expect(m.weights.layers).toHaveLength(3);
    expect([m.weights.layers[2].k.rows, m.weights.layers[2].k.cols]).toEqual([48, 96]);
    const llama = buildTinyModel({ arch: 'llama', layout: 'hf', seed: 52 });
    expect(llama.config.ropeScaling).toEqual({
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositions: 8192,
    });
    expect(llama.config.eosTokenIds).toEqual([2, 3, 4]);
  });

  it('draws weights of a useful scale', () => {
    const { weights } = buildTinyModel({ arch: 'qwen2', layout: 'hf', seed: 53 });
    expect(std(linearToF32(weights.embed))).toBeGreaterThan(0.06);
    expect(std(linearToF32(weights.embed))).toBeLessThan(0.1);
    const norm = weights.layers[0].inputNorm;
    expect(norm.reduce((a, b) => a + b, 0) / norm.length).toBeGreaterThan(0.9);
  });

  it('writes the same files to a directory that it returns in memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'primer-tiny-'));
    try {
      const model = await writeTinyModel(dir, { arch: 'llama', layout: 'mlc-q4f32_1', seed: 54 });
      expect((await readdir(dir)).sort()).toEqual(model.files.map((f) => f.name).sort());
      for (const file of model.files)
        expect((await readFile(join(dir, file.name))).equals(file.bytes), file.name).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
