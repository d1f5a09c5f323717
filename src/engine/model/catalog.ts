// The models Primer supports, with their architecture constants (from the models' config.json files on the
// Hugging Face Hub), where to download them, and their GPU memory (the figure a loaded model reports to the
// GPU ledger and the model cell). Parameter counts and sizes are computed from the architecture, not copied.

import type { ModelConfig } from './config.ts';

export type MlcQuant = 'q4f16_1' | 'q4f32_1';

export interface CatalogEntry {
  id: string;
  label: string;
  hfRepo: string;
  /** Meta's repos need an accepted licence and an access token. */
  gated: boolean;
  instruct: boolean;
  /** Prebuilt MLC weights (WebLLM's list has them for the Instruct models only). */
  mlcRepos: Partial<Record<MlcQuant, string>>;
  config: ModelConfig;
}

const QWEN_SIZES = {
  '0.5B': { hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, headDim: 64 },
  '1.5B': { hiddenSize: 1536, intermediateSize: 8960, numLayers: 28, numHeads: 12, headDim: 128 },
  '3B': { hiddenSize: 2048, intermediateSize: 11008, numLayers: 36, numHeads: 16, headDim: 128 },
} as const;

const LLAMA_SIZES = {
  '1B': { hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, headDim: 64 },
  '3B': { hiddenSize: 3072, intermediateSize: 8192, numLayers: 28, numHeads: 24, headDim: 128 },
} as const;

function qwen(size: keyof typeof QWEN_SIZES, instruct: boolean): CatalogEntry {
  const label = `Qwen2.5-${size}${instruct ? '-Instruct' : ''}`;
  return {
    id: label.toLowerCase(),
    label,
    hfRepo: `Qwen/${label}`,
    gated: false,
    instruct,
    mlcRepos: instruct ? { q4f16_1: `mlc-ai/${label}-q4f16_1-MLC`, q4f32_1: `mlc-ai/${label}-q4f32_1-MLC` } : {},
    config: {
      arch: 'qwen2',
      ...QWEN_SIZES[size],
      numKvHeads: 2,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      tieWordEmbeddings: true,
      qkvBias: true,
      maxPositions: 32768,
      bosTokenId: 151643,
      // <|im_end|> and <|endoftext|> for Instruct (generation_config.json); <|endoftext|> for base.
      eosTokenIds: instruct ? [151645, 151643] : [151643],
    },
  };
}

function llama(size: keyof typeof LLAMA_SIZES, instruct: boolean): CatalogEntry {
  const label = `Llama-3.2-${size}${instruct ? '-Instruct' : ''}`;
  return {
    id: label.toLowerCase(),
    label,
    hfRepo: `meta-llama/${label}`,
    gated: true,
    instruct,
    mlcRepos: instruct ? { q4f16_1: `mlc-ai/${label}-q4f16_1-MLC`, q4f32_1: `mlc-ai/${label}-q4f32_1-MLC` } : {},
    config: {
      arch: 'llama',
      ...LLAMA_SIZES[size],
      numKvHeads: 8,
      vocabSize: 128256,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 },
      tieWordEmbeddings: true,
      qkvBias: false,
      maxPositions: 131072,
      bosTokenId: 128000,
      // <|end_of_text|>, <|eom_id|>, <|eot_id|> for Instruct; <|end_of_text|> for base.
      eosTokenIds: instruct ? [128001, 128008, 128009] : [128001],
    },
  };
}

export const CATALOG: readonly CatalogEntry[] = [
  qwen('0.5B', false),
  qwen('0.5B', true),
  qwen('1.5B', false),
  qwen('1.5B', true),
  qwen('3B', false),
  qwen('3B', true),
  llama('1B', false),
  llama('1B', true),
  llama('3B', false),
  llama('3B', true),
];

export function findModel(id: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.id === id.toLowerCase() || e.hfRepo === id);
  if (!entry) throw new Error(`unknown model "${id}" (known: ${CATALOG.map((e) => e.id).join(', ')})`);
  return entry;
}

/** Parameters in matrices (quantizable: embeddings, projections, lm_head) and in vectors (norms, biases). */
export function paramCounts(c: ModelConfig): { matrix: number; vector: number; total: number } {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const perLayerMatrix = c.hiddenSize * (2 * q + 2 * kv) + 3 * c.hiddenSize * c.intermediateSize;
  const perLayerVector = 2 * c.hiddenSize + (c.qkvBias ? q + 2 * kv : 0);
  const embeddings = c.vocabSize * c.hiddenSize * (c.tieWordEmbeddings ? 1 : 2);
  const matrix = embeddings + c.numLayers * perLayerMatrix;
  const vector = c.numLayers * perLayerVector + c.hiddenSize;
  return { matrix, vector, total: matrix + vector };
}

/**
 * Approximate download size: Hugging Face repos hold bf16 (2 bytes per parameter); MLC q4 repos hold 4-bit
 * codes plus one 2-byte scale per 32 weights (f16, or bf16 on disk for q4f32_1) and 2-byte vectors.
 * Tokenizer and config files (a few MB) are not counted.
 */
export function downloadBytes(c: ModelConfig, format: 'hf' | MlcQuant): number {
  const p = paramCounts(c);
  if (format === 'hf') return 2 * p.total;
  return p.matrix * (0.5 + 2 / 32) + 2 * p.vector;
}

export interface GpuEstimate {
  weights: number;
  kvCache: number;
  scratch: number;
  total: number;
}

export interface GpuEstimateOptions {
  /** q4: 4-bit codes + an f32 scale per 32; f16 / f32: plain weights. Vectors are f32 in every case. */
  quant: 'q4' | 'f16' | 'f32';
  /** Positions kept in the KV cache per sequence. */
  contextTokens: number;
  /** Sequences decoded together (a GRPO group). */
  sequences: number;
  /** Tokens processed in one prefill chunk per sequence (default 512). */
  prefillChunk?: number;
}

/**
 * GPU memory for inference: weights + f32 KV cache + a scratch allowance. The allowance covers, for one
 * prefill chunk of every sequence at once, the activations of one layer (residual, norm output, q/k/v,
 * attention output, gate/up/product, MLP output: 4·hidden + 2·q + 2·kv + 3·intermediate floats per token),
 * the attention scores of that chunk against the whole context (heads × chunk × context), and one row of
 * logits per sequence. tests/gpu/bench-model.test.ts holds it to the engine's real allocations. Training needs
 * more (docs/engine.md, "Memory plan").
 */
export function estimateGpuBytes(c: ModelConfig, options: GpuEstimateOptions): GpuEstimate {
  const p = paramCounts(c);
  const matrixBytes = { q4: 0.5 + 4 / 32, f16: 2, f32: 4 }[options.quant];
  const weights = p.matrix * matrixBytes + 4 * p.vector;
  const { kvCache, scratch } = runGpuBytes(c, options);
  return { weights, kvCache, scratch, total: weights + kvCache + scratch };
}

/** The KV cache and scratch of estimateGpuBytes: what a run adds to the weights. */
export function runGpuBytes(
  c: ModelConfig,
  options: Omit<GpuEstimateOptions, 'quant'>,
): Omit<GpuEstimate, 'weights' | 'total'> {
  const kvCache = c.numLayers * 2 * c.numKvHeads * c.headDim * options.contextTokens * options.sequences * 4;
  const chunk = Math.min(options.prefillChunk ?? 512, options.contextTokens);
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const perToken = 4 * c.hiddenSize + 2 * q + 2 * kv + 3 * c.intermediateSize;
  const scratch = 4 * options.sequences * (chunk * perToken + c.numHeads * chunk * options.contextTokens + c.vocabSize);
  return { kvCache, scratch };
}

/** The window WebLLM's vram_required_MB counts (generators/webllm/models.ts). */
const LEDGER_CONTEXT_TOKENS = 4096;

/**
 * What a model loaded in the engine holds on the GPU, as the GPU memory ledger and the model cell show it: its
 * weights as uploaded plus the KV cache and scratch of one sequence over a 4096-token window (or the model's
 * whole context, if shorter), so that it compares with WebLLM's figures in the same ledger.
 */
export function residentGpuBytes(c: ModelConfig, weightBytes: number): number {
  const run = runGpuBytes(c, { contextTokens: Math.min(LEDGER_CONTEXT_TOKENS, c.maxPositions), sequences: 1 });
  return weightBytes + run.kvCache + run.scratch;
}
