import { describe, expect, it } from 'vitest';
import { roundTo } from '../../src/engine/load/dtype.ts';
import { parseMlcIndex } from '../../src/engine/load/mlcCache.ts';
import { parseMlcChatConfig } from '../../src/engine/load/mlcConfig.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { memoryModelSource, type FileBytes } from '../../src/engine/load/source.ts';
import { linearToF32, readAllWeights } from '../../src/engine/load/weights.ts';
import { buildTinyModel, flattenWeights, weightsMismatch, type TinyModelOptions } from '../support/tinyModel.ts';

const decode = (f: FileBytes) => JSON.parse(new TextDecoder().decode(f.bytes));
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The parts of tensor-cache.json and mlc-chat-config.json that these tests edit. */
interface TensorCache {
  records: { nbytes: number; records: { name: string; byteOffset: number; nbytes: number }[] }[];
}
interface ChatConfig {
  model_config: Record<string, unknown>;
}

/** The tiny model's files with one JSON file edited. */
function editJson<T>(files: FileBytes[], name: string, edit: (json: T) => unknown): FileBytes[] {
  return files.map((f) => (f.name === name ? { name, bytes: encode(edit(decode(f))) } : f));
}

describe('MLC layout', () => {
  const cases: TinyModelOptions[] = [
    { arch: 'qwen2', layout: 'mlc-q4f32_1', seed: 21 },
    { arch: 'qwen2', layout: 'mlc-q4f16_1', seed: 22, tied: true },
    { arch: 'llama', layout: 'mlc-q4f16_1', seed: 23 },
    { arch: 'llama', layout: 'mlc-q4f32_1', seed: 24, tied: true },
  ];
  for (const options of cases) {
    it(`loads ${options.arch} ${options.layout}${options.tied ? ' tied' : ''}: config from mlc-chat-config, fused weights split`, async () => {
      const tiny = buildTinyModel(options);
      expect(tiny.files.some((f) => f.name === 'config.json')).toBe(false);
      expect(tiny.files.filter((f) => f.name.startsWith('params_shard_')).length).toBeGreaterThan(1);
      const model = await openModel(memoryModelSource(tiny.files));
      expect(model.config).toEqual(tiny.config);
      expect(model.weights.format).toBe('mlc');
      expect(model.weights.storage).toBe(options.layout.slice(4));
      const weights = await readAllWeights(model.weights);
      expect(weights.layers[1].q.kind).toBe('q4');
      expect(weights.embed.kind).toBe('q4');
      expect(Boolean(weights.lmHead)).toBe(!options.tied);
      expect(weightsMismatch(weights, tiny.weights)).toBeNull();
    });
  }

  it('stores q4f32_1 scales and norms as bf16 (f32-to-bf16) and q4f16_1 ones as float16', async () => {
    for (const [layout, dtype, format] of [
      ['mlc-q4f32_1', 'float32', 'f32-to-bf16'],
      ['mlc-q4f16_1', 'float16', 'raw'],
    ] as const) {
      const tiny = buildTinyModel({ arch: 'qwen2', layout, seed: 25 });
      const index = parseMlcIndex('tensor-cache.json', decode(tiny.files.find((f) => f.name === 'tensor-cache.json')!));
      for (const name of [
        'model.layers.0.self_attn.c_attn.q_scale',
        'model.layers.0.self_attn.c_attn.bias',
        'model.norm.weight',
      ]) {
        expect([index.records.get(name)!.dtype, index.records.get(name)!.format]).toEqual([dtype, format]);
      }
      const layer = await (await openModel(memoryModelSource(tiny.files))).weights.readLayer(0);
      if (layer.q.kind !== 'q4') throw new Error('expected q4');
      const rounded = roundTo(layer.q.scales, layout === 'mlc-q4f32_1' ? 'bf16' : 'f16');
      expect(Array.from(rounded)).toEqual(Array.from(layer.q.scales));
    }
  });

  it('puts each split row where the unquantized model has it (within the q4 error bound)', async () => {
    for (const arch of ['qwen2', 'llama'] as const) {
      const hf = buildTinyModel({ arch, layout: 'hf', seed: 26 }).weights;
      const mlc = await readAllWeights(
        (await openModel(memoryModelSource(buildTinyModel({ arch, layout: 'mlc-q4f32_1', seed: 26 }).files))).weights,
      );
      const exact = new Map(flattenWeights(hf));
      for (const [name, values] of flattenWeights(mlc)) {
        const reference = exact.get(name)!;
        let worst = 0;
        for (let g = 0; g < values.length; g += 32) {
          const group = reference.subarray(g, g + 32);
          const step = Math.max(...group.map(Math.abs)) / 7; // q4 step; vectors are only bf16-rounded
          for (let i = 0; i < group.length; i++) worst = Math.max(worst, Math.abs(values[g + i] - group[i]) / step);
        }
        expect(worst, name).toBeLessThan(0.6);
      }
    }
  });

  it('falls back to ndarray-cache.json and reads row slices of the q4 embedding', async () => {
    const tiny = buildTinyModel({ arch: 'llama', layout: 'mlc-q4f16_1', seed: 27 });
    const files = tiny.files.map((f) => (f.name === 'tensor-cache.json' ? { ...f, name: 'ndarray-cache.json' } : f));
    const model = await openModel(memoryModelSource(files));
    const rows = await model.weights.readEmbed({ start: 5, count: 2 });
    expect(Array.from(linearToF32(rows))).toEqual(Array.from(linearToF32(tiny.weights.embed, 5, 2)));
  });

  it('parses config from config.json when the repo has one', async () => {
    const tiny = buildTinyModel({ arch: 'qwen2', layout: 'mlc-q4f32_1', seed: 28 });
    const hfConfig = buildTinyModel({ arch: 'qwen2', layout: 'hf', seed: 28 }).files.find(
      (f) => f.name === 'config.json',
    )!;
    const model = await openModel(memoryModelSource([...tiny.files, hfConfig]));
    expect(model.config).toEqual(tiny.config);
  });
});

describe('MLC layout errors', () => {
  const tiny = buildTinyModel({ arch: 'qwen2', layout: 'mlc-q4f32_1', seed: 30 });
  const load = (files: FileBytes[]) => openModel(memoryModelSource(files, 'mlc'));
  const editIndex = (edit: (json: TensorCache) => void) =>
    editJson<TensorCache>(tiny.files, 'tensor-cache.json', (json) => (edit(json), json));

  it('names a missing shard', async () => {
    await expect(load(tiny.files.filter((f) => f.name !== 'params_shard_1.bin'))).rejects.toThrow(
      /mlc: shard params_shard_1\.bin listed in tensor-cache\.json is missing/,
    );
  });
  it('names a record that runs past its shard', async () => {
    const files = editIndex((json) => (json.records[0].records[1].byteOffset = json.records[0].nbytes));
    await expect(load(files)).rejects.toThrow(/record ".+": bytes \d+\.\.\d+ run past the end of params_shard_0\.bin/);
  });
  it('names a record whose nbytes does not match its shape', async () => {
    const files = editIndex((json) => (json.records[0].records[0].nbytes += 4));
    await expect(load(files)).rejects.toThrow(
      /record "model\.embed_tokens\.q_weight": nbytes \d+ but uint32 \[256,8\] \(raw\) needs 8192/,
    );
  });
  it('names a missing tensor', async () => {
    const files = editIndex((json) => {
      for (const shard of json.records)
        shard.records = shard.records.filter((r) => r.name !== 'model.layers.1.mlp.down_proj.q_scale');
    });
    await expect(load(files)).rejects.toThrow(
      /tensor-cache\.json: tensor "model\.layers\.1\.mlp\.down_proj\.q_scale" is missing/,
    );
  });
  it('names a fused tensor whose shape does not match the config', async () => {
    const files = editJson<ChatConfig>(tiny.files, 'mlc-chat-config.json', (json) => ({
      ...json,
      model_config: { ...json.model_config, num_key_value_heads: 4 },
    }));
    await expect(load(files)).rejects.toThrow(
      /tensor "model\.layers\.0\.self_attn\.c_attn\.q_weight": shape \[128,8\] does not match the config, expected \[192,8\]/,
    );
  });
  it('reports a truncated shard when it is read', async () => {
    const files = tiny.files.map((f) =>
      f.name === 'params_shard_2.bin' ? { ...f, bytes: f.bytes.subarray(0, 100) } : f,
    );
    const model = await load(files);
    await expect(readAllWeights(model.weights)).rejects.toThrow(
      /mlc\/params_shard_2\.bin: file is truncated: 100 bytes, the index says \d+/,
    );
  });
  it('rejects an unsupported quantization and a config without model_config', () => {
    const chat = decode(tiny.files.find((f) => f.name === 'mlc-chat-config.json')!);
    expect(() => parseMlcChatConfig({ ...chat, quantization: 'q4f16_0' })).toThrow(
      /unsupported "quantization" "q4f16_0"/,
    );
    expect(() => parseMlcChatConfig({ ...chat, model_config: undefined })).toThrow(/missing "model_config"/);
    expect(() => parseMlcChatConfig({ ...chat, model_config: { ...chat.model_config, hidden_size: -1 } })).toThrow(
      /mlc-chat-config\.json: "hidden_size" must be a positive integer/,
    );
  });
  it('rejects a malformed index', () => {
    expect(() => parseMlcIndex('tensor-cache.json', { records: [{ dataPath: 'a.bin' }] })).toThrow(
      /each shard needs "dataPath", "nbytes" and "records"/,
    );
    const record = { name: 'w', shape: [2], dtype: 'int8', format: 'raw', byteOffset: 0, nbytes: 2 };
    expect(() =>
      parseMlcIndex('tensor-cache.json', { records: [{ dataPath: 'a.bin', nbytes: 2, records: [record] }] }),
    ).toThrow(/record "w": unsupported dtype "int8"/);
  });
});
