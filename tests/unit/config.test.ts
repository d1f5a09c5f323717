import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  downloadBytes,
  estimateGpuBytes,
  findModel,
  paramCounts,
  residentGpuBytes,
} from '../../src/engine/model/catalog.ts';
import { parseModelConfig, ropeInvFreq } from '../../src/engine/model/config.ts';

// Field sets as in the models' config.json files on the Hugging Face Hub.
const qwen05 = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.43.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};
const qwenGeneration = {
  bos_token_id: 151643,
  pad_token_id: 151643,
  do_sample: true,
  eos_token_id: [151645, 151643],
  temperature: 0.7,
  top_p: 0.8,
  top_k: 20,
};

const llama1b = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: {
    factor: 32.0,
    high_freq_factor: 4.0,
    low_freq_factor: 1.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

describe('parseModelConfig', () => {
  it('reads Qwen2.5-0.5B-Instruct and merges generation_config eos ids', () => {
    const c = parseModelConfig(qwen05, qwenGeneration);
    expect(c).toEqual({
      arch: 'qwen2',
      hiddenSize: 896,
      intermediateSize: 4864,
      numLayers: 24,
      numHeads: 14,
      numKvHeads: 2,
      headDim: 64,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      tieWordEmbeddings: true,
      qkvBias: true,
      maxPositions: 32768,
      bosTokenId: 151643,
      eosTokenIds: [151645, 151643],
    });
  });

  it('reads Llama-3.2-1B-Instruct with llama3 rope scaling and no biases', () => {
    const c = parseModelConfig(llama1b);
    expect(c.arch).toBe('llama');
    expect(c.qkvBias).toBe(false);
    expect([c.numHeads, c.numKvHeads, c.headDim]).toEqual([32, 8, 64]);
    expect(c.ropeScaling).toEqual({ factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 });
    expect(c.eosTokenIds).toEqual([128001, 128008, 128009]);
  });

  it('accepts the legacy "type" key and transformers v5 rope_parameters', () => {
    const legacy = { ...llama1b, rope_scaling: { ...llama1b.rope_scaling, rope_type: undefined, type: 'llama3' } };
    expect(parseModelConfig(legacy).ropeScaling?.factor).toBe(32);
    const { rope_theta: _theta, rope_scaling: _scaling, ...rest } = llama1b;
    const v5 = { ...rest, rope_parameters: { rope_theta: 500000, ...llama1b.rope_scaling } };
    expect(parseModelConfig(v5)).toEqual(parseModelConfig(llama1b));
    const { rope_theta: _t, ...qwenRest } = qwen05;
    const qwenV5 = { ...qwenRest, rope_parameters: { rope_theta: 1000000, rope_type: 'default' } };
    expect(parseModelConfig(qwenV5)).toEqual(parseModelConfig(qwen05));
  });

  it('derives head_dim and the kv heads when absent', () => {
    const { num_key_value_heads: _kv, ...noKv } = qwen05;
    const c = parseModelConfig(noKv);
    expect([c.numKvHeads, c.headDim]).toEqual([14, 64]);
  });

  it('rejects unsupported architectures and features', () => {
    expect(() => parseModelConfig({ ...qwen05, architectures: ['MistralForCausalLM'] })).toThrow(
      /unsupported architecture "MistralForCausalLM"/,
    );
    expect(() => parseModelConfig({ ...qwen05, architectures: undefined, model_type: 'gpt2' })).toThrow(
      /unsupported or missing "model_type" "gpt2"/,
    );
    expect(() => parseModelConfig({ ...llama1b, attention_bias: true })).toThrow(
      /"attention_bias": true is not supported/,
    );
    expect(() => parseModelConfig({ ...qwen05, use_sliding_window: true })).toThrow(/"use_sliding_window": true/);
    expect(() => parseModelConfig({ ...qwen05, hidden_act: 'gelu' })).toThrow(/unsupported "hidden_act" "gelu"/);
    expect(() => parseModelConfig({ ...llama1b, rope_scaling: { rope_type: 'yarn', factor: 4 } })).toThrow(
      /unsupported rope scaling type "yarn"/,
    );
  });

  it('names the missing or invalid field', () => {
    const { hidden_size: _h, ...noHidden } = qwen05;
    expect(() => parseModelConfig(noHidden)).toThrow(
      /config\.json: "hidden_size" must be a positive integer, got undefined/,
    );
    expect(() => parseModelConfig({ ...qwen05, num_hidden_layers: 2.5 })).toThrow(
      /"num_hidden_layers" must be a positive integer, got 2\.5/,
    );
    expect(() => parseModelConfig({ ...qwen05, rms_norm_eps: '1e-6' })).toThrow(
      /"rms_norm_eps" must be a positive number, got "1e-6"/,
    );
    expect(() => parseModelConfig({ ...qwen05, rope_theta: undefined })).toThrow(
      /"rope_theta" must be a positive number/,
    );
    expect(() => parseModelConfig({ ...qwen05, tie_word_embeddings: 'yes' })).toThrow(
      /"tie_word_embeddings" must be true or false/,
    );
    expect(() => parseModelConfig({ ...qwen05, num_key_value_heads: 3 })).toThrow(
      /must be a multiple of "num_key_value_heads" \(3\)/,
    );
    expect(() => parseModelConfig({ ...qwen05, eos_token_id: 'x' })).toThrow(/"eos_token_id" must be a token id/);
    const badScaling = { ...llama1b, rope_scaling: { ...llama1b.rope_scaling, low_freq_factor: undefined } };
    expect(() => parseModelConfig(badScaling)).toThrow(/rope scaling: "low_freq_factor" must be a positive number/);
    expect(() => parseModelConfig([])).toThrow(/expected a JSON object/);
  });
});

describe('ropeInvFreq', () => {
  it('is theta^(-2i/d) without scaling', () => {
    const inv = ropeInvFreq({ headDim: 8, ropeTheta: 10000 });
    expect(Array.from(inv)).toEqual([1, 0.1, 0.01, 0.001].map(Math.fround));
  });

  it('applies llama3 scaling: high frequencies kept, low divided by factor, the band between blended', () => {
    const inv = ropeInvFreq(parseModelConfig(llama1b));
    // Hand-computed for theta 500000, d 64, factor 32, low/high freq factors 1/4, original context 8192:
    // wavelengths below 8192/4 = 2048 keep inv_freq; above 8192 divide by 32; i = 15, 16, 17 lie between.
    const expected: Record<number, number> = {
      0: 1.0,
      1: 0.6636012376960885,
      14: 0.003211445994752591,
      15: 0.001290547928209264, // smooth 0.5928
      16: 0.00042955679655936815, // inv 1/sqrt(500000), wavelength 4442.9, smooth 0.2813
      17: 9.70828780262767e-5, // smooth 0.0745
      18: 1.9461638184831125e-5,
      31: 9.41830672543491e-8,
    };
    for (const [i, value] of Object.entries(expected)) expect(Math.abs(inv[Number(i)] / value - 1)).toBeLessThan(1e-6);
    expect(inv.length).toBe(32);
  });
});

describe('model catalog', () => {
  it('holds the constants the real configs give', () => {
    expect(findModel('qwen2.5-0.5b-instruct').config).toEqual(parseModelConfig(qwen05, qwenGeneration));
    expect(findModel('meta-llama/Llama-3.2-1B-Instruct').config).toEqual(parseModelConfig(llama1b));
    expect(CATALOG).toHaveLength(10);
    expect(findModel('Qwen2.5-3B-Instruct').mlcRepos).toEqual({
      q4f16_1: 'mlc-ai/Qwen2.5-3B-Instruct-q4f16_1-MLC',
      q4f32_1: 'mlc-ai/Qwen2.5-3B-Instruct-q4f32_1-MLC',
    });
    expect(findModel('llama-3.2-3b').mlcRepos).toEqual({});
    expect(() => findModel('gpt2')).toThrow(/unknown model "gpt2" \(known: qwen2\.5-0\.5b, /);
  });

  it('counts parameters as the model cards state them', () => {
    expect(paramCounts(findModel('qwen2.5-0.5b').config).total).toBe(494_032_768); // "0.49B"
    expect(paramCounts(findModel('llama-3.2-1b').config).total).toBe(1_235_814_400); // "1.24B"
    for (const [id, billions] of [
      ['qwen2.5-1.5b', 1.54],
      ['qwen2.5-3b', 3.09],
      ['llama-3.2-3b', 3.21],
    ] as const) {
      expect(paramCounts(findModel(id).config).total / 1e9).toBeCloseTo(billions, 2);
    }
    // bf16 download of Qwen2.5-0.5B: about 0.99 GB; its q4 MLC weights about 0.28 GB.
    expect(downloadBytes(findModel('qwen2.5-0.5b').config, 'hf') / 1e9).toBeCloseTo(0.99, 2);
    expect(downloadBytes(findModel('qwen2.5-0.5b').config, 'q4f16_1') / 1e9).toBeCloseTo(0.31, 1);
  });

  it('estimates GPU memory: weights, the f32 KV cache, and scratch', () => {
    const qwen = findModel('qwen2.5-0.5b-instruct').config;
    const one = estimateGpuBytes(qwen, { quant: 'q4', contextTokens: 2048, sequences: 1 });
    expect(one.kvCache).toBe(24 * 2 * 2 * 64 * 2048 * 4); // ≈ 50 MB per sequence (docs/engine.md)
    expect(one.weights / 1e9).toBeCloseTo(0.31, 2);
    expect(one.total).toBe(one.weights + one.kvCache + one.scratch);
    const group = estimateGpuBytes(qwen, { quant: 'q4', contextTokens: 512, sequences: 8 });
    expect(group.kvCache).toBe(one.kvCache * 2); // 8 × 512 positions = 2 × 2048
    expect(estimateGpuBytes(qwen, { quant: 'f32', contextTokens: 512, sequences: 1 }).weights).toBeCloseTo(
      4 * 494_032_768,
      -3,
    );
    expect(group.scratch).toBeGreaterThan(
      estimateGpuBytes(qwen, { quant: 'q4', contextTokens: 512, sequences: 1 }).scratch,
    );
  });

  it("gives the GPU ledger a loaded model's weights plus one sequence's KV cache and scratch over 4096 tokens", () => {
    const qwen = findModel('qwen2.5-0.5b-instruct').config;
    const window = estimateGpuBytes(qwen, { quant: 'q4', contextTokens: 4096, sequences: 1 });
    expect(residentGpuBytes(qwen, window.weights)).toBe(window.total);
    // A model with a shorter context counts its whole context.
    const short = { ...qwen, maxPositions: 512 };
    const whole = estimateGpuBytes(short, { quant: 'f32', contextTokens: 512, sequences: 1 });
    expect(residentGpuBytes(short, 1000)).toBe(1000 + whole.kvCache + whole.scratch);
  });
});
