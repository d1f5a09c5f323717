// Hugging Face checkpoints: config.json (+ generation_config.json) and safetensors weights, either one
// model.safetensors or shards listed in model.safetensors.index.json ("weight_map": tensor -> file).
// Every header is read and every expected tensor's presence, dtype and shape checked before any weight byte
// is read; then weights are read layer by layer on demand.

import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import type { ByteSource } from './byteSource.ts';
import { aligned } from './dtype.ts';
import {
  checkWeightDtype,
  readSafetensorsHeader,
  readTensorBytes,
  readTensorF32,
  type TensorEntry,
} from './safetensors.ts';
import { readJson, type ModelSource } from './source.ts';
import {
  checkLayerIndex,
  checkShape,
  fullRange,
  layerShapes,
  type LayerWeights,
  type LinearWeight,
  type RowRange,
  type WeightReader,
} from './weights.ts';

export const HF_SINGLE = 'model.safetensors';
export const HF_INDEX = 'model.safetensors.index.json';

const LINEARS = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
} as const;

/** Every tensor a checkpoint of this config must hold, with its shape, under the Hugging Face names. */
export function hfTensorShapes(c: ModelConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]]]);
  const linear = layerShapes(c);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.input_layernorm.weight`, [c.hiddenSize]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [c.hiddenSize]);
    for (const [key, module] of Object.entries(LINEARS))
      shapes.set(`${p}.${module}.weight`, linear[key as keyof typeof LINEARS]);
    if (c.qkvBias) {
      for (const key of ['q', 'k', 'v'] as const) shapes.set(`${p}.${LINEARS[key]}.bias`, [linear[key][0]]);
    }
  }
  shapes.set('model.norm.weight', [c.hiddenSize]);
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, c.hiddenSize]);
  return shapes;
}

export async function readHfConfig(source: ModelSource): Promise<ModelConfig> {
  const config = await readJson(source, 'config.json');
  const generation = (await source.has('generation_config.json'))
    ? await readJson(source, 'generation_config.json')
    : undefined;
  return parseModelConfig(config, generation, `${source.name}/config.json`);
}

/** tensor name -> file, from the shard index or the single file's header. */
async function weightFiles(source: ModelSource): Promise<Map<string, string> | null> {
  if (!(await source.has(HF_INDEX))) return null;
  const index = await readJson(source, HF_INDEX);
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || !Object.values(map).every((f) => typeof f === 'string')) {
    throw new Error(`${source.name}/${HF_INDEX}: "weight_map" must map tensor names to file names`);
  }
  return new Map(Object.entries(map as Record<string, string>));
}

interface Located {
  file: string;
  source: ByteSource;
  entry: TensorEntry;
}

/** Opens every weight file (appending it to `files`, so the caller can close them) and indexes its tensors by name. */
async function indexTensors(source: ModelSource, files: ByteSource[]): Promise<Map<string, Located>> {
  const map = await weightFiles(source);
  if (!map && !(await source.has(HF_SINGLE))) {
    throw new Error(`${source.name}: no ${HF_SINGLE} or ${HF_INDEX} (only safetensors checkpoints are supported)`);
  }
  const fileNames = map ? [...new Set(map.values())] : [HF_SINGLE];
  const tensors = new Map<string, Located>();
  for (const file of fileNames) {
    if (!(await source.has(file))) throw new Error(`${source.name}: shard ${file} named in ${HF_INDEX} is missing`);
    const bytes = await source.open(file);
    files.push(bytes);
    const header = await readSafetensorsHeader(bytes);
    for (const [name, entry] of header.tensors) tensors.set(name, { file, source: bytes, entry });
  }
  for (const [name, file] of map ?? []) {
    if (tensors.get(name)?.file !== file)
      throw new Error(`${source.name}/${file}: tensor "${name}" is listed in ${HF_INDEX} but not in the file`);
  }
  return tensors;
}

function checkTensors(source: ModelSource, tensors: Map<string, Located>, config: ModelConfig): void {
  for (const [name, shape] of hfTensorShapes(config)) {
    const found = tensors.get(name);
    if (!found) throw new Error(`${source.name}: tensor "${name}" is missing from the checkpoint`);
    const what = `${found.source.name}: tensor "${name}"`;
    checkWeightDtype(what, found.entry.dtype);
    checkShape(what, found.entry.shape, shape);
  }
}

export async function openHfWeights(source: ModelSource, config: ModelConfig): Promise<WeightReader> {
  const files: ByteSource[] = [];
  const closeAll = async () => {
    await Promise.all(files.map((f) => f.close?.()));
  };
  let tensors: Map<string, Located>;
  try {
    tensors = await indexTensors(source, files);
    checkTensors(source, tensors, config);
  } catch (err) {
    await closeAll();
    throw err;
  }
  const read = (name: string, range?: RowRange): Promise<Float32Array> => {
    const { source: bytes, entry } = tensors.get(name)!;
    return readTensorF32(bytes, entry, range);
  };
  // 16-bit matrices keep their bits: the uploader decides whether they stay 16-bit on the GPU.
  const linear = async (name: string, range?: RowRange): Promise<LinearWeight> => {
    const { source: bytes, entry } = tensors.get(name)!;
    const [rows, cols] = entry.shape;
    const r = fullRange(rows, range);
    if (entry.dtype === 'F32') return { kind: 'f32', data: await read(name, r), rows: r.count, cols };
    const bits = new Uint16Array(aligned(await readTensorBytes(bytes, entry, r)));
    return { kind: entry.dtype === 'BF16' ? 'bf16' : 'f16', bits, rows: r.count, cols };
  };
  return {
    config,
    format: 'hf',
    storage: tensors.get('model.layers.0.self_attn.q_proj.weight')!.entry.dtype.toLowerCase(),
    readEmbed: (range) => linear('model.embed_tokens.weight', range),
    readFinalNorm: () => read('model.norm.weight'),
    readLmHead: async (range) => (config.tieWordEmbeddings ? null : linear('lm_head.weight', range)),
    async readLayer(index) {
      checkLayerIndex(config, index);
      const p = `model.layers.${index}`;
      const weight = (key: keyof typeof LINEARS) => linear(`${p}.${LINEARS[key]}.weight`);
      const bias = (key: 'q' | 'k' | 'v') => read(`${p}.${LINEARS[key]}.bias`);
      const layer: LayerWeights = {
        inputNorm: await read(`${p}.input_layernorm.weight`),
        q: await weight('q'),
        k: await weight('k'),
        v: await weight('v'),
        o: await weight('o'),
        postNorm: await read(`${p}.post_attention_layernorm.weight`),
        gate: await weight('gate'),
        up: await weight('up'),
        down: await weight('down'),
      };
      if (config.qkvBias) {
        layer.qBias = await bias('q');
        layer.kBias = await bias('k');
        layer.vBias = await bias('v');
      }
      return layer;
    },
    close: closeAll,
  };
}
