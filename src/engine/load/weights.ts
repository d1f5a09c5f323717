// The weights of a loaded model in one shape whatever the checkpoint format: per layer, the logical tensors
// of the forward pass (fused MLC projections are split back into q/k/v and gate/up). A linear weight is
// [rows = out features, cols = in features], row-major: f32, the 16-bit bits of an f16 or bf16 checkpoint
// (kept as they are, so a GPU can hold them at 2 bytes a weight), or MLC q4.

import type { ModelConfig } from '../model/config.ts';
import { dequantizeQ4, type Q4Matrix } from '../quant/q4.ts';
import { bf16ToF32, f16ToF32 } from './dtype.ts';

export type LinearWeight =
  | { kind: 'f32'; data: Float32Array; rows: number; cols: number }
  | { kind: 'f16' | 'bf16'; bits: Uint16Array; rows: number; cols: number }
  | ({ kind: 'q4' } & Q4Matrix);

export interface LayerWeights {
  inputNorm: Float32Array;
  q: LinearWeight;
  k: LinearWeight;
  v: LinearWeight;
  /** Qwen2 only. */
  qBias?: Float32Array;
  kBias?: Float32Array;
  vBias?: Float32Array;
  o: LinearWeight;
  postNorm: Float32Array;
  gate: LinearWeight;
  up: LinearWeight;
  down: LinearWeight;
}

export interface ModelWeights {
  /** [vocab, hidden]; also the output projection when the embeddings are tied. */
  embed: LinearWeight;
  layers: LayerWeights[];
  finalNorm: Float32Array;
  /** [vocab, hidden]; absent when tied. */
  lmHead?: LinearWeight;
}

/** Rows of a matrix; a row range lets a caller stream a large embedding table in slices. */
export interface RowRange {
  start: number;
  count: number;
}

/**
 * Reads a model's weights piece by piece, so an uploader can convert or quantize one layer at a time without
 * the whole model in CPU memory. `format` says what the files hold.
 */
export interface WeightReader {
  readonly config: ModelConfig;
  readonly format: 'hf' | 'mlc';
  /** 'f32', 'f16' or 'bf16' for Hugging Face files (the dtype of the layer weights); MLC's quantization name. */
  readonly storage: string;
  readEmbed(rows?: RowRange): Promise<LinearWeight>;
  readLayer(index: number): Promise<LayerWeights>;
  readFinalNorm(): Promise<Float32Array>;
  /** null when the embeddings are tied. */
  readLmHead(rows?: RowRange): Promise<LinearWeight | null>;
  close(): Promise<void>;
}

export async function readAllWeights(reader: WeightReader): Promise<ModelWeights> {
  const layers: LayerWeights[] = [];
  for (let i = 0; i < reader.config.numLayers; i++) layers.push(await reader.readLayer(i));
  const weights: ModelWeights = { embed: await reader.readEmbed(), layers, finalNorm: await reader.readFinalNorm() };
  const lmHead = await reader.readLmHead();
  if (lmHead) weights.lmHead = lmHead;
  return weights;
}

/** The f32 values of rows [start, start + count) of a linear weight (all rows by default). */
export function linearToF32(w: LinearWeight, start = 0, count = w.rows): Float32Array {
  if (w.kind === 'q4') return dequantizeQ4(w, start, count);
  if (w.kind === 'f32') return w.data.subarray(start * w.cols, (start + count) * w.cols);
  const rows = w.bits.subarray(start * w.cols, (start + count) * w.cols);
  const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
  return w.kind === 'bf16' ? bf16ToF32(bytes) : f16ToF32(bytes);
}

/** The [rows, cols] every linear weight of a layer must have, from the config. */
export function layerShapes(c: ModelConfig): Record<'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down', [number, number]> {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  return {
    q: [q, c.hiddenSize],
    k: [kv, c.hiddenSize],
    v: [kv, c.hiddenSize],
    o: [c.hiddenSize, q],
    gate: [c.intermediateSize, c.hiddenSize],
    up: [c.intermediateSize, c.hiddenSize],
    down: [c.hiddenSize, c.intermediateSize],
  };
}

export function checkLayerIndex(config: ModelConfig, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= config.numLayers) {
    throw new Error(`layer ${index} does not exist (the model has ${config.numLayers})`);
  }
}

export function checkShape(what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${what}: shape [${actual}] does not match the config, expected [${expected}]`);
  }
}

export function fullRange(rows: number, range?: RowRange): RowRange {
  const r = range ?? { start: 0, count: rows };
  if (
    !Number.isInteger(r.start) ||
    !Number.isInteger(r.count) ||
    r.start < 0 ||
    r.count < 0 ||
    r.start + r.count > rows
  ) {
    throw new Error(`rows ${r.start}..${r.start + r.count} are outside [0, ${rows})`);
  }
  return r;
}
