import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileListSource } from '../../src/engine/load/fileSource.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { nodeDirectorySource } from '../../src/engine/load/nodeSource.ts';
import { writeSafetensors } from '../../src/engine/load/safetensorsWriter.ts';
import { memoryModelSource } from '../../src/engine/load/source.ts';
import { linearToF32, readAllWeights } from '../../src/engine/load/weights.ts';
import { buildTinyModel, weightsMismatch, writeTinyModel, type TinyModelOptions } from '../support/tinyModel.ts';

const root = await mkdtemp(join(tmpdir(), 'primer-hf-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `m${dirCount++}`);

async function loadDir(dir: string) {
  const model = await openModel(nodeDirectorySource(dir));
  try {
    return { model, weights: await readAllWeights(model.weights) };
  } finally {
    await model.weights.close();
  }
}

describe('Hugging Face layout from a directory', () => {
  const cases: TinyModelOptions[] = [
    { arch: 'qwen2', layout: 'hf', dtype: 'f32', seed: 1, tied: true },
    { arch: 'qwen2', layout: 'hf-sharded', dtype: 'bf16', seed: 2 },
    { arch: 'llama', layout: 'hf', dtype: 'f16', seed: 3 },
    { arch: 'llama', layout: 'hf-sharded', dtype: 'f32', seed: 4, tied: true },
    { arch: 'llama', layout: 'hf', dtype: 'bf16', seed: 5, tied: true },
  ];
  for (const options of cases) {
    it(`loads ${options.arch} ${options.layout} ${options.dtype}${options.tied ? ' tied' : ''} exactly`, async () => {
      const dir = freshDir();
      const tiny = await writeTinyModel(dir, options);
      const { model, weights } = await loadDir(dir);
      expect(model.config).toEqual(tiny.config);
      expect(model.weights.format).toBe('hf');
      expect(model.weights.storage).toBe(options.dtype);
      expect(Boolean(weights.lmHead)).toBe(!options.tied);
      expect(weights.layers[0].qBias !== undefined).toBe(options.arch === 'qwen2');
      expect(weightsMismatch(weights, tiny.weights)).toBeNull();
      expect(JSON.parse(model.texts['generation_config.json']!)).toEqual({ bos_token_id: 1, eos_token_id: [2, 4] });
      expect(model.texts['tokenizer.json']).toBeUndefined();
    });
  }

  it('streams the embedding in row slices', async () => {
    const dir = freshDir();
    const tiny = await writeTinyModel(dir, { arch: 'qwen2', layout: 'hf', dtype: 'bf16', seed: 6 });
    const model = await openModel(nodeDirectorySource(dir));
    const slice = await model.weights.readEmbed({ start: 10, count: 3 });
    const hidden = tiny.config.hiddenSize;
    expect(slice.rows).toBe(3);
    expect(slice.kind).toBe('bf16'); // 16-bit rows keep their bits
    expect(Array.from(linearToF32(slice))).toEqual(Array.from(linearToF32(tiny.weights.embed, 10, 3)));
    expect(linearToF32(slice).length).toBe(3 * hidden);
    await expect(model.weights.readEmbed({ start: 250, count: 10 })).rejects.toThrow(
      /rows 250\.\.260 are outside \[0, 256\)/,
    );
    await expect(model.weights.readLayer(2)).rejects.toThrow(/layer 2 does not exist \(the model has 2\)/);
    await model.weights.close();
  });
});

describe('Hugging Face layout from browser files and memory', () => {
  it('loads from File objects (Blob slices) and from memory', async () => {
    const tiny = buildTinyModel({ arch: 'llama', layout: 'hf-sharded', dtype: 'bf16', seed: 8 });
    const files = tiny.files.map((f) => new File([f.bytes.slice()], f.name));
    for (const source of [fileListSource(files), memoryModelSource(tiny.files)]) {
      const model = await openModel(source);
      expect(weightsMismatch(await readAllWeights(model.weights), tiny.weights)).toBeNull();
    }
  });
});

describe('Hugging Face layout errors', () => {
  it('names a tensor missing from the checkpoint', async () => {
    const tiny = buildTinyModel({ arch: 'qwen2', layout: 'hf', dtype: 'f32', seed: 9 });
    const files = tiny.files.filter((f) => f.name !== 'model.safetensors');
    files.push({
      name: 'model.safetensors',
      bytes: writeSafetensors({ 'model.norm.weight': { dtype: 'F32', shape: [64], data: new Float32Array(64) } }),
    });
    await expect(openModel(memoryModelSource(files, 'tiny'))).rejects.toThrow(
      /tiny: tensor "model\.embed_tokens\.weight" is missing from the checkpoint/,
    );
  });

  it('names the tensor and file whose shape does not match the config', async () => {
    const dir = freshDir();
    await writeTinyModel(dir, { arch: 'llama', layout: 'hf-sharded', dtype: 'f32', seed: 10 });
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 96 }));
    await expect(openModel(nodeDirectorySource(dir))).rejects.toThrow(
      /model-0000\d-of-00002\.safetensors: tensor "model\.layers\.0\.mlp\.(gate|up|down)_proj\.weight": shape \[\d+,\d+\] does not match the config, expected \[\d+,\d+\]/,
    );
  });

  it('reports a truncated weights file before reading any weight', async () => {
    const dir = freshDir();
    await writeTinyModel(dir, { arch: 'qwen2', layout: 'hf', dtype: 'bf16', seed: 11 });
    await truncate(join(dir, 'model.safetensors'), 20_000);
    await expect(openModel(nodeDirectorySource(dir))).rejects.toThrow(
      /model\.safetensors: file is truncated: tensor ".+" ends at byte \d+ but the file has 20000/,
    );
  });

  it('reports a missing shard and a missing checkpoint', async () => {
    const dir = freshDir();
    await writeTinyModel(dir, { arch: 'qwen2', layout: 'hf-sharded', dtype: 'f32', seed: 12 });
    await unlink(join(dir, 'model-00002-of-00002.safetensors'));
    await expect(openModel(nodeDirectorySource(dir))).rejects.toThrow(
      /shard model-00002-of-00002\.safetensors named in model\.safetensors\.index\.json is missing/,
    );
    await unlink(join(dir, 'model.safetensors.index.json'));
    await expect(openModel(nodeDirectorySource(dir))).rejects.toThrow(
      /no model\.safetensors or model\.safetensors\.index\.json/,
    );
  });

  it('rejects a weight stored in a non-float dtype, naming it', async () => {
    const tiny = buildTinyModel({ arch: 'llama', layout: 'hf', dtype: 'f32', seed: 13, tied: true });
    const files = tiny.files.filter((f) => f.name !== 'model.safetensors');
    const original = await openModel(memoryModelSource(tiny.files));
    const embed = await original.weights.readEmbed();
    const tensors = {
      'model.embed_tokens.weight': {
        dtype: 'I32' as const,
        shape: [embed.rows, embed.cols],
        bytes: new Uint8Array(embed.rows * embed.cols * 4),
      },
    };
    files.push({ name: 'model.safetensors', bytes: writeSafetensors(tensors) });
    await expect(openModel(memoryModelSource(files, 'tiny'))).rejects.toThrow(
      /tiny\/model\.safetensors: tensor "model\.embed_tokens\.weight": unsupported dtype I32/,
    );
  });

  it('reports invalid config JSON with the file name', async () => {
    const tiny = buildTinyModel({ arch: 'qwen2', layout: 'hf', dtype: 'f32', seed: 14 });
    const files = tiny.files.map((f) =>
      f.name === 'config.json' ? { name: f.name, bytes: new TextEncoder().encode('{"hidden_size": ') } : f,
    );
    await expect(openModel(memoryModelSource(files, 'tiny'))).rejects.toThrow(/tiny\/config\.json: invalid JSON/);
  });
});
