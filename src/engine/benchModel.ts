// Whole-model figures for `primer bench`: prefill, decode and rollout throughput through generateIds (the path
// sampling really takes), and the GPU memory a model needs, counted from the buffers the engine creates (memory.ts) for
// a checkpoint of the model's shapes whose weights are all zero, so no download is needed.
import type { GenerateRequest } from '../tasks/types.ts';
import { generateIds } from './generate.ts';
import {
  checkLayerIndex,
  fullRange,
  layerShapes,
  type LayerWeights,
  type LinearWeight,
  type WeightReader,
} from './load/weights.ts';
import { trackAllocations } from './memory.ts';
import type { ModelConfig } from './model/config.ts';
import { Decoder } from './model/decoder.ts';
import { uploadFromReader, uploadWeights, type UploadOptions } from './model/gpuWeights.ts';
import { scratchConfig, scratchWeights } from './model/scratch.ts';
import { Q4_GROUP, Q4_PER_WORD } from './quant/q4.ts';
import { ByteTokenizer } from './tokenizer.ts';

/** The model bench times when given none: small enough for a software adapter, Llama-shaped with GQA, in q4. */
export const SYNTHETIC_MODEL = { layers: 4, dim: 256, heads: 8, kvHeads: 2, context: 512, seed: 1 } as const;

/** The synthetic model; `keepOutputF32` keeps its (tied) output matrix in f32, as the trainer needs. */
export function syntheticDecoder(device: GPUDevice, options: UploadOptions = {}): Decoder {
  const config = scratchConfig(SYNTHETIC_MODEL);
  const weights = uploadWeights(device, config, scratchWeights(config, SYNTHETIC_MODEL.seed), 'q4', options);
  const { layers, dim, heads, kvHeads } = SYNTHETIC_MODEL;
  return new Decoder(
    device,
    weights,
    new ByteTokenizer(),
    `synthetic ${layers}-layer ${dim}-wide q4 (${heads} heads, ${kvHeads} kv, vocab ${config.vocabSize})`,
  );
}

export interface GenerationTiming {
  /** Prompt tokens per second through the prefill (and the first token's sampling). */
  prefillTokS: number;
  /** Tokens per second, all rows together, over the decode steps after the first token. */
  decodeTokS: number;
  /** Tokens per second, all rows together, over the whole call, prefill included: a GRPO rollout's rate. */
  rolloutTokS: number;
}

/**
 * Times generateIds on `batch` rows of one `promptTokens`-id prompt (a GRPO group, prefilled once), greedy or
 * sampled at `temperature` (seeded), with the eos ids switched off so every row decodes `decodeTokens` tokens
 * after the first; the best of `runs` calls (a shared machine only ever slows a run down). `onText`, if given,
 * receives the text as it is written (streaming on).
 */
export async function timeGeneration(
  model: Decoder,
  batch: number,
  promptTokens: number,
  decodeTokens: number,
  runs = 1,
  temperature = 0,
  onText?: GenerateRequest['onText'],
): Promise<GenerationTiming> {
  const prompt = Array.from({ length: promptTokens }, (_, i) => (i * 31 + 7) % model.config.vocabSize);
  const rows = Array.from({ length: batch }, () => prompt);
  const eos = model.config.eosTokenIds;
  model.config.eosTokenIds = [];
  const best: GenerationTiming = { prefillTokS: 0, decodeTokS: 0, rolloutTokS: 0 };
  try {
    for (let run = 0; run < runs; run++) {
      const stepEnds: number[] = [];
      const t0 = performance.now();
      await generateIds(
        model,
        rows,
        { maxTokens: decodeTokens + 1, temperature, seed: run + 1, onText },
        { onStep: () => stepEnds.push(performance.now()) },
      );
      const [first, last] = [stepEnds[0], stepEnds[stepEnds.length - 1]];
      best.prefillTokS = Math.max(best.prefillTokS, promptTokens / ((first - t0) / 1000));
      best.decodeTokS = Math.max(best.decodeTokS, (batch * decodeTokens) / ((last - first) / 1000));
      best.rolloutTokS = Math.max(best.rolloutTokS, (batch * (decodeTokens + 1)) / ((last - t0) / 1000));
    }
  } finally {
    model.config.eosTokenIds = eos;
  }
  return best;
}

/** A checkpoint with `config`'s shapes whose weights (MLC q4, or Hugging Face bf16), norms and biases are all zero. */
export function zeroReader(config: ModelConfig, format: 'q4' | 'bf16' = 'q4'): WeightReader {
  const matrix = (rows: number, cols: number): LinearWeight =>
    format === 'q4'
      ? {
          kind: 'q4',
          rows,
          cols,
          qweight: new Uint32Array((rows * cols) / Q4_PER_WORD),
          scales: new Float32Array((rows * cols) / Q4_GROUP),
        }
      : { kind: 'bf16', rows, cols, bits: new Uint16Array(rows * cols) };
  const shapes = layerShapes(config);
  const linear = (name: keyof typeof shapes) => matrix(...shapes[name]);
  const vector = (length: number) => new Float32Array(length);
  return {
    config,
    format: format === 'q4' ? 'mlc' : 'hf',
    storage: format === 'q4' ? 'q4f32_1' : 'bf16',
    readEmbed: async (range) => matrix(fullRange(config.vocabSize, range).count, config.hiddenSize),
    readLayer: async (index) => {
      checkLayerIndex(config, index);
      const layer: LayerWeights = {
        inputNorm: vector(config.hiddenSize),
        postNorm: vector(config.hiddenSize),
        q: linear('q'),
        k: linear('k'),
        v: linear('v'),
        o: linear('o'),
        gate: linear('gate'),
        up: linear('up'),
        down: linear('down'),
      };
      if (config.qkvBias) {
        layer.qBias = vector(shapes.q[0]);
        layer.kBias = vector(shapes.k[0]);
        layer.vBias = vector(shapes.v[0]);
      }
      return layer;
    },
    readFinalNorm: async () => vector(config.hiddenSize),
    readLmHead: async (range) =>
      config.tieWordEmbeddings ? null : matrix(fullRange(config.vocabSize, range).count, config.hiddenSize),
    close: async () => {},
  };
}

export interface InferenceMemory {
  /** The most bytes held at once: weights, the KV cache, the decoder's scratch, logits and sampling buffers. */
  peakBytes: number;
  weightBytes: number;
  buffers: number;
}

/**
 * GPU memory to sample from `config` (q4, or bf16 weights kept 16-bit) with a KV cache of `positions` for one
 * sequence: tracks every buffer while zero weights go through the real uploader and generateIds runs the first
 * step of a generation whose cache holds `positions` (prompt of one token, then cancelled), so the figure is
 * what the engine allocates.
 */
export async function measureInferenceMemory(
  device: GPUDevice,
  config: ModelConfig,
  positions: number,
  format: 'q4' | 'bf16' = 'q4',
): Promise<InferenceMemory> {
  const tracker = trackAllocations(device);
  let model: Decoder | undefined;
  try {
    model = new Decoder(
      device,
      await uploadFromReader(device, zeroReader(config, format), 'none'),
      new ByteTokenizer(),
      `zero ${format}`,
    );
    const cancel = new AbortController();
    await generateIds(
      model,
      [[0]],
      { maxTokens: positions - 1, temperature: 0, signal: cancel.signal },
      { onStep: () => cancel.abort() },
    );
    await device.queue.onSubmittedWorkDone();
    return { peakBytes: tracker.peak, weightBytes: model.weights.bytes, buffers: tracker.buffers };
  } finally {
    tracker.stop();
    model?.destroy();
  }
}
