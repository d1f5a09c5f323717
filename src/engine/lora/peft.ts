// PEFT adapter files: adapter_model.safetensors + adapter_config.json exactly as PeftModel.save_pretrained
// writes them for Qwen2/Llama, so Python's PeftModel.from_pretrained loads ours and we load theirs.
// Keys: base_model.model.model.layers.{i}.self_attn.{q,k,v,o}_proj.lora_{A,B}.weight and
// ...layers.{i}.mlp.{gate,up,down}_proj.lora_{A,B}.weight; lora_A is [r, in], lora_B [out, r].
import type { LoraShapeSource, LoraAdapter, LoraModule } from './adapter.ts';
import { sortModules } from './adapter.ts';
import { LORA_TARGETS, loraConfig, targetShape, type LoraConfig, type LoraTarget } from './config.ts';
import { bytesToF32, MAX_HEADER_BYTES, parseSafetensorsHeader, WEIGHT_DTYPES } from '../load/safetensors.ts';
import { writeSafetensors, type TensorToWrite } from '../load/safetensorsWriter.ts';

export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';
export const PEFT_CONFIG_FILE = 'adapter_config.json';

const MODULE_PATH: Record<LoraTarget, string> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};
const PROJ_TO_TARGET = new Map(LORA_TARGETS.map((t) => [`${t}_proj`, t]));

/** The saved key of a module's lora_A or lora_B. */
export function peftKey(layer: number, target: LoraTarget, which: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${MODULE_PATH[target]}.lora_${which}.weight`;
}

/** adapter_config.json as PEFT writes it (inference_mode true, as save_pretrained sets it). */
export function peftAdapterConfig(config: LoraConfig, baseModel: string): Record<string, unknown> {
  return {
    alpha_pattern: {},
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: config.alpha,
    lora_dropout: 0,
    modules_to_save: null,
    peft_type: 'LORA',
    r: config.rank,
    rank_pattern: {},
    revision: null,
    target_modules: config.targets.map((t) => `${t}_proj`),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: config.rslora,
  };
}

/** The two files of a PEFT adapter, tensors in F32, keys sorted as the Python writer sorts them. */
export function exportPeftAdapter(
  adapter: LoraAdapter,
  baseModel: string,
): { [PEFT_WEIGHTS_FILE]: Uint8Array; [PEFT_CONFIG_FILE]: string } {
  const r = adapter.config.rank;
  const tensors: [string, TensorToWrite][] = adapter.modules.flatMap((m) => [
    [peftKey(m.layer, m.target, 'A'), { dtype: 'F32', shape: [r, m.inFeatures], data: m.a }],
    [peftKey(m.layer, m.target, 'B'), { dtype: 'F32', shape: [m.outFeatures, r], data: m.b }],
  ]);
  tensors.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return {
    [PEFT_WEIGHTS_FILE]: writeSafetensors(Object.fromEntries(tensors), { format: 'pt' }),
    [PEFT_CONFIG_FILE]: JSON.stringify(peftAdapterConfig(adapter.config, baseModel), null, 2) + '\n',
  };
}

export interface SafetensorsInMemory {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** Parses a whole safetensors file held in memory, converting F32/F16/BF16 tensors to f32. */
export function readSafetensorsF32(bytes: Uint8Array, file: string): SafetensorsInMemory {
  if (bytes.byteLength < 8) throw new Error(`${file}: file is truncated: ${bytes.byteLength} bytes`);
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (length > MAX_HEADER_BYTES || 8 + length > bytes.byteLength)
    throw new Error(`${file}: header length ${length} is invalid for a ${bytes.byteLength}-byte file`);
  const header = parseSafetensorsHeader(file, bytes.subarray(8, 8 + length), bytes.byteLength);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const entry of header.tensors.values()) {
    if (!WEIGHT_DTYPES.includes(entry.dtype))
      throw new Error(
        `${file}: tensor "${entry.name}" has dtype ${entry.dtype} (expected ${WEIGHT_DTYPES.join(', ')})`,
      );
    tensors.set(entry.name, {
      shape: entry.shape,
      data: bytesToF32(bytes.subarray(entry.begin, entry.end), entry.dtype, `${file}: tensor "${entry.name}"`),
    });
  }
  return { tensors, metadata: header.metadata };
}

type Json = Record<string, unknown>;

/** LoraConfig from adapter_config.json; refuses what we cannot reproduce rather than load it wrongly. */
export function parsePeftConfig(json: unknown): { config: LoraConfig; baseModel: string | null } {
  const where = PEFT_CONFIG_FILE;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${where}: expected a JSON object`);
  const c = json as Json;
  const fail = (field: string, why: string): never => {
    throw new Error(`${where}: "${field}" ${why}, got ${JSON.stringify(c[field])}`);
  };
  if (c.peft_type !== 'LORA') fail('peft_type', 'must be "LORA"');
  if (c.use_dora === true) fail('use_dora', 'is not supported (DoRA adds a magnitude vector)');
  if (c.fan_in_fan_out === true) fail('fan_in_fan_out', 'must be false for Qwen2/Llama');
  if (c.bias !== undefined && c.bias !== 'none') fail('bias', 'must be "none" (LoRA bias tensors are not supported)');
  for (const field of ['rank_pattern', 'alpha_pattern']) {
    const v = c[field];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Object.keys(v).length > 0))
      fail(field, 'must be empty (per-module ranks are not supported)');
  }
  const positive = (field: string, fallback: number) => {
    const v = c[field] ?? fallback;
    return typeof v === 'number' && v > 0 ? v : fail(field, 'must be a positive number');
  };
  const rank = positive('r', 8);
  if (!Number.isInteger(rank)) fail('r', 'must be an integer');
  const config = loraConfig({
    rank,
    alpha: positive('lora_alpha', 8),
    targets: parseTargets(c.target_modules),
    rslora: c.use_rslora === true,
  });
  const base = c.base_model_name_or_path;
  return { config, baseModel: typeof base === 'string' ? base : null };
}

/** target_modules: a list of module names (or dotted suffixes), "all-linear", or absent (PEFT's q_proj, v_proj). */
function parseTargets(value: unknown): LoraTarget[] {
  if (value === undefined || value === null) return ['q', 'v'];
  if (value === 'all-linear') return [...LORA_TARGETS];
  if (!Array.isArray(value)) {
    throw new Error(
      `${PEFT_CONFIG_FILE}: "target_modules" ${JSON.stringify(value)} is not supported (use a list of names or "all-linear")`,
    );
  }
  return value.map((name) => {
    const target = typeof name === 'string' ? PROJ_TO_TARGET.get(name.split('.').pop()!) : undefined;
    if (!target)
      throw new Error(
        `${PEFT_CONFIG_FILE}: "target_modules" entry ${JSON.stringify(name)} is not one of ${[...PROJ_TO_TARGET.keys()].join(', ')}`,
      );
    return target;
  });
}

const KEY = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)_proj\.lora_(A|B)(?:\.\w+)?\.weight$/;

/**
 * Loads a PEFT adapter (ours or Python's), checking every tensor's name and shape against the model. The keys may
 * carry an adapter name (`lora_A.default.weight`); tensors may be F32, F16 or BF16.
 */
export function importPeftAdapter(
  files: { safetensors: Uint8Array; config: string | object },
  model: LoraShapeSource,
): { adapter: LoraAdapter; baseModel: string | null } {
  const json = typeof files.config === 'string' ? parseJson(files.config) : files.config;
  const { config, baseModel } = parsePeftConfig(json);
  const { tensors } = readSafetensorsF32(files.safetensors, PEFT_WEIGHTS_FILE);
  return { adapter: { config, modules: loraModulesFromTensors(tensors, config, model, PEFT_WEIGHTS_FILE) }, baseModel };
}

type PartialModule = Partial<LoraModule> & Pick<LoraModule, 'layer' | 'target' | 'inFeatures' | 'outFeatures'>;

/** Gathers (A, B) pairs from PEFT-named tensors, validating names and shapes; sorted by layer and target. */
export function loraModulesFromTensors(
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  config: LoraConfig,
  model: LoraShapeSource,
  file: string,
): LoraModule[] {
  const found = new Map<string, PartialModule>();
  for (const [name, { shape, data }] of tensors) {
    const match = KEY.exec(name);
    const target = match && PROJ_TO_TARGET.get(`${match[3]}_proj`);
    if (!match || !target || MODULE_PATH[target] !== `${match[2]}.${match[3]}_proj`)
      throw new Error(`${file}: unexpected tensor "${name}"`);
    const layer = Number(match[1]);
    if (layer >= model.numLayers)
      throw new Error(`${file}: tensor "${name}" is for layer ${layer} but the model has ${model.numLayers}`);
    if (!config.targets.includes(target))
      throw new Error(`${file}: tensor "${name}" is for ${target}_proj, which target_modules does not list`);
    const { inFeatures, outFeatures } = targetShape(model, target);
    const which = match[4] === 'A' ? 'a' : 'b';
    const want = which === 'a' ? [config.rank, inFeatures] : [outFeatures, config.rank];
    if (shape.join() !== want.join())
      throw new Error(`${file}: tensor "${name}" has shape [${shape}], expected [${want}]`);
    const module = found.get(`${layer}.${target}`) ?? { layer, target, inFeatures, outFeatures };
    if (module[which]) throw new Error(`${file}: tensor "${name}" appears twice (under two adapter names?)`);
    module[which] = data;
    found.set(`${layer}.${target}`, module);
  }
  const modules = [...found.values()].map((m) => {
    if (!m.a || !m.b) throw new Error(`${file}: layer ${m.layer} ${m.target}_proj has lora_${m.a ? 'B' : 'A'} missing`);
    return m as LoraModule;
  });
  if (modules.length === 0) throw new Error(`${file}: no LoRA tensors found`);
  return sortModules(modules);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${PEFT_CONFIG_FILE}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** W + s · B A for a merged export: weight [out, in], accumulated in f64 before rounding to f32. */
export function mergeLora(
  weight: Float32Array,
  module: Pick<LoraModule, 'a' | 'b' | 'inFeatures' | 'outFeatures'>,
  scale: number,
): Float32Array {
  const { inFeatures: K, outFeatures: N, a, b } = module;
  const r = a.length / K;
  if (weight.length !== N * K || b.length !== N * r)
    throw new Error(`mergeLora: weight has ${weight.length} values, expected [${N}, ${K}] with rank ${r}`);
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < r; j++) s += b[n * r + j] * a[j * K + k];
      out[n * K + k] = weight[n * K + k] + scale * s;
    }
  }
  return out;
}
