// MLC checkpoints (the mlc-ai/*-MLC repos WebLLM uses): q4f16_1 / q4f32_1 group-quantized weights, or q0
// unquantized ones, in params_shard_*.bin. MLC fuses q/k/v into one projection (Qwen2 "c_attn" with a bias,
// Llama "qkv_proj") and gate/up into "gate_up_proj"; we split them back by rows, which is exact for q4 too
// because every row has its own scales.

import type { ModelConfig } from '../model/config.ts';
import { checkQ4Cols, Q4_GROUP, Q4_PER_WORD } from '../quant/q4.ts';
import { readHfConfig } from './hf.ts';
import { readMlcIndex, readRecordRows, shardOpener, type MlcIndex, type MlcRecord } from './mlcCache.ts';
import { parseMlcChatConfig, type MlcQuantization } from './mlcConfig.ts';
import { readJson, type ModelSource } from './source.ts';
import {
  checkLayerIndex,
  checkShape,
  layerShapes,
  type LayerWeights,
  type LinearWeight,
  type RowRange,
  type WeightReader,
} from './weights.ts';

export const MLC_CHAT_CONFIG = 'mlc-chat-config.json';

export interface LinearModule {
  /** The MLC parameter prefix, e.g. model.layers.0.self_attn.c_attn. */
  name: string;
  rows: number;
  cols: number;
}

/** The linear modules of layer i as MLC names them, with fused row counts. */
export function mlcLayerModules(c: ModelConfig, i: number): Record<'qkv' | 'o' | 'gateUp' | 'down', LinearModule> {
  const s = layerShapes(c);
  const p = `model.layers.${i}`;
  return {
    qkv: {
      name: `${p}.self_attn.${c.arch === 'qwen2' ? 'c_attn' : 'qkv_proj'}`,
      rows: s.q[0] + s.k[0] + s.v[0],
      cols: c.hiddenSize,
    },
    o: { name: `${p}.self_attn.o_proj`, rows: s.o[0], cols: s.o[1] },
    gateUp: { name: `${p}.mlp.gate_up_proj`, rows: 2 * c.intermediateSize, cols: c.hiddenSize },
    down: { name: `${p}.mlp.down_proj`, rows: s.down[0], cols: s.down[1] },
  };
}

export function mlcGlobalModules(c: ModelConfig): LinearModule[] {
  const embed = { name: 'model.embed_tokens', rows: c.vocabSize, cols: c.hiddenSize };
  return c.tieWordEmbeddings ? [embed] : [embed, { name: 'lm_head', rows: c.vocabSize, cols: c.hiddenSize }];
}

/** config.json when the repo has one, else mlc-chat-config.json's model_config. */
export async function readMlcConfig(
  source: ModelSource,
): Promise<{ config: ModelConfig; quantization: MlcQuantization }> {
  const generation = (await source.has('generation_config.json'))
    ? await readJson(source, 'generation_config.json')
    : undefined;
  const chat = parseMlcChatConfig(
    await readJson(source, MLC_CHAT_CONFIG),
    `${source.name}/${MLC_CHAT_CONFIG}`,
    generation,
  );
  if (!(await source.has('config.json'))) return chat;
  return { config: await readHfConfig(source), quantization: chat.quantization };
}

function recordOf(index: MlcIndex, name: string): MlcRecord {
  const record = index.records.get(name);
  if (!record) throw new Error(`${index.file}: tensor "${name}" is missing`);
  return record;
}

function checkDtype(index: MlcIndex, record: MlcRecord, allowed: string[]): void {
  if (!allowed.includes(record.dtype)) {
    throw new Error(
      `${index.file}: tensor "${record.name}" has dtype ${record.dtype}, expected ${allowed.join(' or ')}`,
    );
  }
}

/** A module is stored quantized (q_weight + q_scale) or plain (weight); check whichever is there. */
function checkLinear(index: MlcIndex, m: LinearModule): void {
  if (!index.records.has(`${m.name}.q_weight`)) {
    const weight = recordOf(index, `${m.name}.weight`);
    checkDtype(index, weight, ['float16', 'float32', 'bfloat16']);
    checkShape(`${index.file}: tensor "${weight.name}"`, weight.shape, [m.rows, m.cols]);
    return;
  }
  checkQ4Cols(m.cols, `${index.file}: "${m.name}"`);
  const qweight = recordOf(index, `${m.name}.q_weight`);
  const scale = recordOf(index, `${m.name}.q_scale`);
  checkDtype(index, qweight, ['uint32']);
  checkDtype(index, scale, ['float16', 'float32', 'bfloat16']);
  checkShape(`${index.file}: tensor "${qweight.name}"`, qweight.shape, [m.rows, m.cols / Q4_PER_WORD]);
  checkShape(`${index.file}: tensor "${scale.name}"`, scale.shape, [m.rows, m.cols / Q4_GROUP]);
}

function checkVector(index: MlcIndex, name: string, length: number): void {
  const record = recordOf(index, name);
  checkDtype(index, record, ['float16', 'float32', 'bfloat16']);
  checkShape(`${index.file}: tensor "${name}"`, record.shape, [length]);
}

function checkAll(index: MlcIndex, c: ModelConfig): void {
  for (const m of mlcGlobalModules(c)) checkLinear(index, m);
  checkVector(index, 'model.norm.weight', c.hiddenSize);
  for (let i = 0; i < c.numLayers; i++) {
    const modules = mlcLayerModules(c, i);
    for (const m of Object.values(modules)) checkLinear(index, m);
    if (c.qkvBias) checkVector(index, `${modules.qkv.name}.bias`, modules.qkv.rows);
    checkVector(index, `model.layers.${i}.input_layernorm.weight`, c.hiddenSize);
    checkVector(index, `model.layers.${i}.post_attention_layernorm.weight`, c.hiddenSize);
  }
}

export async function openMlcWeights(
  source: ModelSource,
  config: ModelConfig,
  quantization: MlcQuantization,
): Promise<WeightReader> {
  const index = await readMlcIndex(source);
  checkAll(index, config);
  const shards = shardOpener(source);
  const read = async (name: string, range?: RowRange) => {
    const record = recordOf(index, name);
    const shard = index.shards.find((s) => s.dataPath === record.dataPath)!;
    return readRecordRows(await shards.open(shard.dataPath, shard.nbytes), record, range);
  };
  const vector = async (name: string, range?: RowRange) => (await read(name, range)) as Float32Array;
  const linear = async (m: LinearModule, range: RowRange = { start: 0, count: m.rows }): Promise<LinearWeight> => {
    if (!index.records.has(`${m.name}.q_weight`)) {
      return { kind: 'f32', data: await vector(`${m.name}.weight`, range), rows: range.count, cols: m.cols };
    }
    const qweight = (await read(`${m.name}.q_weight`, range)) as Uint32Array;
    return { kind: 'q4', qweight, scales: await vector(`${m.name}.q_scale`, range), rows: range.count, cols: m.cols };
  };
  const [embed, lmHead] = mlcGlobalModules(config);
  const s = layerShapes(config);
  return {
    config,
    format: 'mlc',
    storage: quantization,
    readEmbed: (range) => linear(embed, range),
    readLmHead: async (range) => (lmHead ? linear(lmHead, range) : null),
    readFinalNorm: () => vector('model.norm.weight'),
    async readLayer(i) {
      checkLayerIndex(config, i);
      const m = mlcLayerModules(config, i);
      const [q, kv, inter] = [s.q[0], s.k[0], config.intermediateSize];
      const layer: LayerWeights = {
        inputNorm: await vector(`model.layers.${i}.input_layernorm.weight`),
        q: await linear(m.qkv, { start: 0, count: q }),
        k: await linear(m.qkv, { start: q, count: kv }),
        v: await linear(m.qkv, { start: q + kv, count: kv }),
        o: await linear(m.o),
        postNorm: await vector(`model.layers.${i}.post_attention_layernorm.weight`),
        gate: await linear(m.gateUp, { start: 0, count: inter }),
        up: await linear(m.gateUp, { start: inter, count: inter }),
        down: await linear(m.down),
      };
      if (config.qkvBias) {
        const bias = await vector(`${m.qkv.name}.bias`);
        layer.qBias = bias.slice(0, q);
        layer.kBias = bias.slice(q, q + kv);
        layer.vBias = bias.slice(q + kv, q + 2 * kv);
      }
      return layer;
    },
    close: () => shards.close(),
  };
}
