// The model configuration the engine runs on, parsed from a Hugging Face config.json (transformers v4 or v5
// keys) plus generation_config.json. Only Qwen2 and Llama decoders are supported: they are one graph, differing
// in the q/k/v biases (Qwen2) and llama3 RoPE scaling (Llama 3.x).

export type Arch = 'qwen2' | 'llama';

/** Llama 3 RoPE frequency rescaling (transformers `rope_type: "llama3"`). */
export interface RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

export interface ModelConfig {
  arch: Arch;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling?: RopeScaling;
  tieWordEmbeddings: boolean;
  /** Qwen2 adds a bias to the q, k and v projections; Llama has none. */
  qkvBias: boolean;
  maxPositions: number;
  bosTokenId?: number;
  eosTokenIds: number[];
}

type Json = Record<string, unknown>;

const ARCHITECTURES: Record<string, Arch> = { Qwen2ForCausalLM: 'qwen2', LlamaForCausalLM: 'llama' };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Typed field access on one JSON object; every error names the file and the field. */
function fields(json: Json, where: string) {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: "${field}" must be ${expected}, got ${JSON.stringify(json[field])}`);
  };
  const absent = (field: string) => json[field] === undefined || json[field] === null;
  const int = (field: string): number => {
    const value = json[field];
    return typeof value === 'number' && Number.isInteger(value) && value > 0
      ? value
      : fail(field, 'a positive integer');
  };
  const num = (field: string): number => {
    const value = json[field];
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fail(field, 'a positive number');
  };
  return {
    int,
    num,
    intOr: (field: string, fallback: number) => (absent(field) ? fallback : int(field)),
    boolOr: (field: string, fallback: boolean): boolean => {
      const value = json[field];
      return absent(field) ? fallback : typeof value === 'boolean' ? value : fail(field, 'true or false');
    },
  };
}

/** Token ids given as one number or a list (both forms appear in real configs). */
function tokenIds(json: Json, field: string, where: string): number[] {
  const value = json[field];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const id of list) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new Error(`${where}: "${field}" must be a token id or a list of token ids, got ${JSON.stringify(value)}`);
    }
  }
  return list as number[];
}

function detectArch(json: Json, where: string): Arch {
  const architectures = json.architectures;
  if (Array.isArray(architectures) && architectures.length > 0) {
    const name = String(architectures[0]);
    const arch = ARCHITECTURES[name];
    if (!arch)
      throw new Error(
        `${where}: unsupported architecture "${name}" (supported: ${Object.keys(ARCHITECTURES).join(', ')})`,
      );
    return arch;
  }
  if (json.model_type === 'qwen2' || json.model_type === 'llama') return json.model_type;
  throw new Error(
    `${where}: unsupported or missing "model_type" ${JSON.stringify(json.model_type)} and no "architectures"`,
  );
}

/** transformers v5 moves rope_theta and the scaling dict into `rope_parameters`; v4 has them at the top level. */
function ropeFields(json: Json, where: string): { theta: number; scaling?: RopeScaling } {
  const params = isObject(json.rope_parameters) ? json.rope_parameters : undefined;
  const theta =
    params && params.rope_theta !== undefined
      ? fields(params, `${where} rope_parameters`).num('rope_theta')
      : fields(json, where).num('rope_theta');
  const scalingJson = isObject(json.rope_scaling) ? json.rope_scaling : params;
  if (!scalingJson) return { theta };
  const type = scalingJson.rope_type ?? scalingJson.type ?? 'default';
  if (type === 'default') return { theta };
  if (type !== 'llama3')
    throw new Error(`${where}: unsupported rope scaling type ${JSON.stringify(type)} (supported: llama3)`);
  const scaling = fields(scalingJson, `${where} rope scaling`);
  return {
    theta,
    scaling: {
      factor: scaling.num('factor'),
      lowFreqFactor: scaling.num('low_freq_factor'),
      highFreqFactor: scaling.num('high_freq_factor'),
      originalMaxPositions: scaling.num('original_max_position_embeddings'),
    },
  };
}

/** Features of the real configs we do not implement: refuse them rather than compute something else. */
function rejectUnsupported(json: Json, where: string): void {
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu') {
    throw new Error(`${where}: unsupported "hidden_act" ${JSON.stringify(json.hidden_act)} (only silu)`);
  }
  for (const flag of ['attention_bias', 'mlp_bias', 'use_sliding_window']) {
    if (json[flag] === true) throw new Error(`${where}: "${flag}": true is not supported`);
  }
}

/**
 * Parses config.json (and optionally generation_config.json, whose eos ids are merged in) into a ModelConfig.
 * Throws an Error naming the file and field for anything missing, malformed or unsupported.
 */
export function parseModelConfig(json: unknown, generationConfig?: unknown, where = 'config.json'): ModelConfig {
  if (!isObject(json)) throw new Error(`${where}: expected a JSON object`);
  const arch = detectArch(json, where);
  rejectUnsupported(json, where);
  const f = fields(json, where);
  const hiddenSize = f.int('hidden_size');
  const numHeads = f.int('num_attention_heads');
  const numKvHeads = f.intOr('num_key_value_heads', numHeads);
  const headDim = f.intOr('head_dim', Math.floor(hiddenSize / numHeads));
  if (numHeads % numKvHeads !== 0) {
    throw new Error(
      `${where}: "num_attention_heads" (${numHeads}) must be a multiple of "num_key_value_heads" (${numKvHeads})`,
    );
  }
  if (headDim % 2 !== 0) throw new Error(`${where}: head dimension ${headDim} must be even for RoPE`);
  const rope = ropeFields(json, where);
  const generation = isObject(generationConfig) ? generationConfig : {};
  const genWhere = 'generation_config.json';
  const eosTokenIds = [
    ...new Set([...tokenIds(json, 'eos_token_id', where), ...tokenIds(generation, 'eos_token_id', genWhere)]),
  ];
  const bos = [...tokenIds(json, 'bos_token_id', where), ...tokenIds(generation, 'bos_token_id', genWhere)][0];
  const config: ModelConfig = {
    arch,
    hiddenSize,
    intermediateSize: f.int('intermediate_size'),
    numLayers: f.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: f.int('vocab_size'),
    rmsNormEps: f.num('rms_norm_eps'),
    ropeTheta: rope.theta,
    tieWordEmbeddings: f.boolOr('tie_word_embeddings', false),
    qkvBias: arch === 'qwen2',
    maxPositions: f.int('max_position_embeddings'),
    eosTokenIds,
  };
  if (rope.scaling) config.ropeScaling = rope.scaling;
  if (bos !== undefined) config.bosTokenId = bos;
  return config;
}

/**
 * RoPE inverse frequencies, one per rotated pair: inv_freq_i = theta^(-2i/d), then (Llama 3) the llama3
 * rescaling: long wavelengths are divided by `factor`, short ones kept, and the band between is blended.
 */
export function ropeInvFreq(config: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float32Array {
  const half = config.headDim / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const base = Math.pow(config.ropeTheta, -(2 * i) / config.headDim);
    out[i] = config.ropeScaling ? llama3Scale(base, config.ropeScaling) : base;
  }
  return out;
}

function llama3Scale(invFreq: number, s: RopeScaling): number {
  const wavelen = (2 * Math.PI) / invFreq;
  const lowFreqWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositions / s.highFreqFactor;
  if (wavelen < highFreqWavelen) return invFreq;
  if (wavelen > lowFreqWavelen) return invFreq / s.factor;
  const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
  return (1 - smooth) * (invFreq / s.factor) + smooth * invFreq;
}
