// Tiny Qwen2 / Llama checkpoints with seeded random weights, in every layout the loader reads: Hugging Face
// (one file or shards; f32, bf16 or f16) and MLC (q4f32_1, q4f16_1). Each build also returns the f32 weights
// the loader must produce (rounded to the stored dtype, dequantized for q4), so tests compare exactly.
// Nothing is downloaded: tests and the browser e2e build their models here.

import { parseModelConfig, type ModelConfig } from '../../src/engine/model/config.ts';
import { createRng } from '../../src/tasks/random.ts';
import { roundTo } from '../../src/engine/load/dtype.ts';
import { HF_INDEX, HF_SINGLE, hfTensorShapes } from '../../src/engine/load/hf.ts';
import { mlcGlobalModules, mlcLayerModules, MLC_CHAT_CONFIG, type LinearModule } from '../../src/engine/load/mlc.ts';
import type { FileBytes } from '../../src/engine/load/source.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/engine/load/safetensorsWriter.ts';
import { linearToF32, type LayerWeights, type LinearWeight, type ModelWeights } from '../../src/engine/load/weights.ts';
import { dequantizeQ4, quantizeQ4 } from '../../src/engine/quant/q4.ts';
import { writeMlcShards, type MlcTensor } from '../../src/engine/load/mlcWriter.ts';

export type TinyLayout = 'hf' | 'hf-sharded' | 'mlc-q4f32_1' | 'mlc-q4f16_1';

export interface TinyModelOptions {
  arch: 'qwen2' | 'llama';
  layout: TinyLayout;
  seed: number;
  /** Storage dtype of Hugging Face layouts (MLC layouts fix their own). Default f32. */
  dtype?: 'f32' | 'bf16' | 'f16';
  tied?: boolean;
  vocabSize?: number;
  hiddenSize?: number;
  intermediateSize?: number;
  numLayers?: number;
  numHeads?: number;
  numKvHeads?: number;
  headDim?: number;
  /** Weights to use instead of random ones, by Hugging Face name (f32, the tensor's full size). */
  tensors?: Record<string, Float32Array>;
}

export interface TinyModel {
  config: ModelConfig;
  /** The f32 values a loader must return for this checkpoint. */
  weights: ModelWeights;
  files: FileBytes[];
}

/** config.json with the field set real Qwen2.5 / Llama 3.2 configs carry. */
export function tinyConfigJson(o: TinyModelOptions): Record<string, unknown> {
  const common = {
    hidden_act: 'silu',
    hidden_size: o.hiddenSize ?? 64,
    intermediate_size: o.intermediateSize ?? 128,
    num_hidden_layers: o.numLayers ?? 2,
    num_attention_heads: o.numHeads ?? 4,
    num_key_value_heads: o.numKvHeads ?? 2,
    vocab_size: o.vocabSize ?? 256,
    tie_word_embeddings: o.tied ?? false,
    torch_dtype: 'bfloat16',
    use_cache: true,
  };
  if (o.arch === 'qwen2') {
    return {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      ...common,
      bos_token_id: 1,
      eos_token_id: 2,
      max_position_embeddings: 512,
      max_window_layers: 2,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      rope_scaling: null,
      sliding_window: 512,
      use_sliding_window: false,
      attention_dropout: 0.0,
      ...(o.headDim ? { head_dim: o.headDim } : {}),
    };
  }
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    ...common,
    bos_token_id: 1,
    eos_token_id: [2, 3],
    head_dim: o.headDim ?? 16,
    max_position_embeddings: 131072,
    rms_norm_eps: 1e-5,
    rope_theta: 500000.0,
    rope_scaling: {
      factor: 32.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 8192,
      rope_type: 'llama3',
    },
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    pretraining_tp: 1,
  };
}

/** A seeded standard normal generator: the same seed gives the same model everywhere. */
export function seededNormal(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.normal();
}

/** Norm weights near 1, biases and matrices small, so activations and logits stay in a useful range. */
function randomTensor(name: string, size: number, normal: () => number): Float32Array {
  const [mean, std] = name.endsWith('norm.weight') ? [1, 0.1] : name.endsWith('.bias') ? [0, 0.1] : [0, 0.08];
  return Float32Array.from({ length: size }, () => mean + std * normal());
}

/** The logical weights, in ModelWeights form, from tensors under Hugging Face names. */
export function modelWeightsFromHf(c: ModelConfig, t: Map<string, Float32Array>): ModelWeights {
  const shapes = hfTensorShapes(c);
  const linear = (name: string): LinearWeight => {
    const [rows, cols] = shapes.get(name)!;
    return { kind: 'f32', data: t.get(name)!, rows, cols };
  };
  const layers = Array.from({ length: c.numLayers }, (_, i): LayerWeights => {
    const p = `model.layers.${i}`;
    const layer: LayerWeights = {
      inputNorm: t.get(`${p}.input_layernorm.weight`)!,
      q: linear(`${p}.self_attn.q_proj.weight`),
      k: linear(`${p}.self_attn.k_proj.weight`),
      v: linear(`${p}.self_attn.v_proj.weight`),
      o: linear(`${p}.self_attn.o_proj.weight`),
      postNorm: t.get(`${p}.post_attention_layernorm.weight`)!,
      gate: linear(`${p}.mlp.gate_proj.weight`),
      up: linear(`${p}.mlp.up_proj.weight`),
      down: linear(`${p}.mlp.down_proj.weight`),
    };
    if (c.qkvBias) {
      layer.qBias = t.get(`${p}.self_attn.q_proj.bias`)!;
      layer.kBias = t.get(`${p}.self_attn.k_proj.bias`)!;
      layer.vBias = t.get(`${p}.self_attn.v_proj.bias`)!;
    }
    return layer;
  });
  const weights: ModelWeights = {
    embed: linear('model.embed_tokens.weight'),
    layers,
    finalNorm: t.get('model.norm.weight')!,
  };
  if (!c.tieWordEmbeddings) weights.lmHead = linear('lm_head.weight');
  return weights;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));

function hfFiles(
  c: ModelConfig,
  tensors: Map<string, Float32Array>,
  dtype: 'F32' | 'F16' | 'BF16',
  sharded: boolean,
): FileBytes[] {
  const shapes = hfTensorShapes(c);
  const names = [...tensors.keys()];
  const groups = sharded ? [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)] : [names];
  const fileName = (g: number) => (sharded ? `model-0000${g + 1}-of-0000${groups.length}.safetensors` : HF_SINGLE);
  const files = groups.map((group, g) => {
    const entries: Record<string, TensorToWrite> = {};
    for (const name of group) entries[name] = { dtype, shape: shapes.get(name)!, data: tensors.get(name)! };
    return { name: fileName(g), bytes: writeSafetensors(entries, { format: 'pt' }) };
  });
  if (sharded) {
    const weightMap = Object.fromEntries(groups.flatMap((group, g) => group.map((name) => [name, fileName(g)])));
    files.push({ name: HF_INDEX, bytes: json({ metadata: { total_size: 0 }, weight_map: weightMap }) });
  }
  return files;
}

/** Fused MLC module rows from the logical HF tensors (q|k|v and gate|up are stacked along rows). */
function mlcSources(c: ModelConfig, i: number): [LinearModule, string[]][] {
  const p = `model.layers.${i}`;
  const m = mlcLayerModules(c, i);
  return [
    [m.qkv, ['q', 'k', 'v'].map((x) => `${p}.self_attn.${x}_proj.weight`)],
    [m.o, [`${p}.self_attn.o_proj.weight`]],
    [m.gateUp, [`${p}.mlp.gate_proj.weight`, `${p}.mlp.up_proj.weight`]],
    [m.down, [`${p}.mlp.down_proj.weight`]],
  ];
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Quantizes like MLC, stores scales and vectors in the model dtype, and records what a loader will read back. */
function mlcFiles(
  c: ModelConfig,
  raw: Map<string, Float32Array>,
  quant: 'q4f32_1' | 'q4f16_1',
  configJson: Record<string, unknown>,
) {
  const float = quant === 'q4f32_1' ? 'bf16' : 'f16';
  const tensors: MlcTensor[] = [];
  const expected = new Map<string, Float32Array>();
  const addVector = (name: string, values: Float32Array) => {
    tensors.push({ name, values, float: quant === 'q4f32_1' ? 'f32-to-bf16' : 'f16' });
    return roundTo(values, float);
  };
  const addLinear = (m: LinearModule, parts: string[]) => {
    const q = quantizeQ4(concat(parts.map((name) => raw.get(name)!)), m.rows, m.cols);
    q.scales = roundTo(q.scales, float);
    tensors.push({ name: `${m.name}.q_weight`, words: q.qweight, shape: [m.rows, m.cols / 8] });
    tensors.push({
      name: `${m.name}.q_scale`,
      values: q.scales,
      shape: [m.rows, m.cols / 32],
      float: quant === 'q4f32_1' ? 'f32-to-bf16' : 'f16',
    });
    const dequantized = dequantizeQ4(q);
    let row = 0;
    for (const name of parts) {
      const rows = raw.get(name)!.length / m.cols;
      expected.set(name, dequantized.slice(row * m.cols, (row + rows) * m.cols));
      row += rows;
    }
  };
  const [embed, lmHead] = mlcGlobalModules(c);
  addLinear(embed, ['model.embed_tokens.weight']);
  if (lmHead) addLinear(lmHead, ['lm_head.weight']);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    for (const [module, parts] of mlcSources(c, i)) addLinear(module, parts);
    if (c.qkvBias) {
      const names = ['q', 'k', 'v'].map((x) => `${p}.self_attn.${x}_proj.bias`);
      const fused = addVector(`${mlcLayerModules(c, i).qkv.name}.bias`, concat(names.map((n) => raw.get(n)!)));
      let offset = 0;
      for (const name of names) {
        expected.set(name, fused.slice(offset, offset + raw.get(name)!.length));
        offset += raw.get(name)!.length;
      }
    }
    for (const norm of ['input_layernorm', 'post_attention_layernorm']) {
      expected.set(`${p}.${norm}.weight`, addVector(`${p}.${norm}.weight`, raw.get(`${p}.${norm}.weight`)!));
    }
  }
  expected.set('model.norm.weight', addVector('model.norm.weight', raw.get('model.norm.weight')!));
  const chatConfig = mlcChatConfig(configJson, quant);
  return {
    files: [{ name: MLC_CHAT_CONFIG, bytes: json(chatConfig) }, ...writeMlcShards(tensors, 16 * 1024)],
    expected,
  };
}

/** mlc-chat-config.json as mlc_llm gen_config writes it: MLC's field names under model_config. */
function mlcChatConfig(hf: Record<string, unknown>, quantization: string): Record<string, unknown> {
  const {
    architectures: _a,
    model_type,
    bos_token_id,
    eos_token_id,
    max_position_embeddings,
    rope_theta,
    ...rest
  } = hf;
  const modelConfig =
    model_type === 'llama'
      ? { ...rest, position_embedding_base: rope_theta, context_window_size: max_position_embeddings }
      : { ...rest, rope_theta, context_window_size: max_position_embeddings };
  return {
    version: '0.1.0',
    model_type,
    quantization,
    model_config: modelConfig,
    vocab_size: hf.vocab_size,
    context_window_size: max_position_embeddings,
    bos_token_id,
    eos_token_id,
    tokenizer_files: ['tokenizer.json'],
  };
}

export function buildTinyModel(o: TinyModelOptions): TinyModel {
  const configJson = tinyConfigJson(o);
  const generationConfig = { bos_token_id: 1, eos_token_id: [2, 4] };
  const config = parseModelConfig(configJson, generationConfig);
  const normal = seededNormal(o.seed);
  const raw = new Map<string, Float32Array>();
  for (const [name, shape] of hfTensorShapes(config)) {
    const random = randomTensor(
      name,
      shape.reduce((a, b) => a * b, 1),
      normal,
    );
    const given = o.tensors?.[name];
    if (given && given.length !== random.length)
      throw new Error(`tensor ${name}: ${given.length} values given, its shape [${shape}] holds ${random.length}`);
    raw.set(name, given ?? random);
  }
  const texts = [
    { name: 'generation_config.json', bytes: json(generationConfig) },
    { name: 'tokenizer_config.json', bytes: json({ model_max_length: 512 }) },
  ];
  if (o.layout === 'mlc-q4f32_1' || o.layout === 'mlc-q4f16_1') {
    const mlc = mlcFiles(config, raw, o.layout === 'mlc-q4f32_1' ? 'q4f32_1' : 'q4f16_1', configJson);
    return { config, weights: modelWeightsFromHf(config, mlc.expected), files: [...mlc.files, ...texts] };
  }
  const dtype = o.dtype ?? 'f32';
  const stored = new Map([...raw].map(([name, values]) => [name, dtype === 'f32' ? values : roundTo(values, dtype)]));
  const files = hfFiles(
    config,
    stored,
    dtype === 'f32' ? 'F32' : dtype === 'f16' ? 'F16' : 'BF16',
    o.layout === 'hf-sharded',
  );
  return {
    config,
    weights: modelWeightsFromHf(config, stored),
    files: [{ name: 'config.json', bytes: json(configJson) }, ...files, ...texts],
  };
}

/** Builds a tiny model and writes its files into `dir` (Node only). */
export async function writeTinyModel(dir: string, o: TinyModelOptions): Promise<TinyModel> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const model = buildTinyModel(o);
  await mkdir(dir, { recursive: true });
  for (const file of model.files) await writeFile(join(dir, file.name), file.bytes);
  return model;
}

/** Every weight as [name, f32 values] (q4 dequantized), for comparing what two loaders return. */
export function flattenWeights(w: ModelWeights): [string, Float32Array][] {
  const out: [string, Float32Array][] = [
    ['embed', linearToF32(w.embed)],
    ['finalNorm', w.finalNorm],
  ];
  if (w.lmHead) out.push(['lmHead', linearToF32(w.lmHead)]);
  w.layers.forEach((layer, i) => {
    for (const [key, value] of Object.entries(layer)) {
      out.push([`layers.${i}.${key}`, value instanceof Float32Array ? value : linearToF32(value as LinearWeight)]);
    }
  });
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** null when two sets of weights hold the same tensors with identical values, else the first difference. */
export function weightsMismatch(actual: ModelWeights, expected: ModelWeights): string | null {
  const a = flattenWeights(actual);
  const b = flattenWeights(expected);
  const names = (w: [string, Float32Array][]) => w.map(([name]) => name).join(', ');
  if (names(a) !== names(b)) return `tensors differ: [${names(a)}] vs [${names(b)}]`;
  for (let t = 0; t < a.length; t++) {
    const [name, x] = a[t];
    const y = b[t][1];
    if (x.length !== y.length) return `${name}: ${x.length} values vs ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) return `${name}[${i}]: ${x[i]} vs ${y[i]}`;
    }
  }
  return null;
}
