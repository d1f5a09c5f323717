// A small Llama-style model built from random weights on this machine: the "train from scratch" path, so the
// app's main loop (prime, sample, annotate, reinforce) runs with no download at all.
import { createRng } from '../../tasks/random.ts';
import { ByteTokenizer } from '../tokenizer.ts';
import type { LayerWeights, LinearWeight, ModelWeights } from '../load/weights.ts';
import type { ModelConfig } from './config.ts';

export interface ScratchOptions {
  layers: number;
  dim: number;
  heads: number;
  /** Key/value heads; defaults to heads (no grouping). */
  kvHeads?: number;
  context: number;
  /** MLP width; defaults to 4 × dim rounded to a multiple of 32. */
  intermediate?: number;
  seed: number;
  /** Word pieces the tokenizer has beyond bytes (ByteTokenizer); none: bytes only. */
  pieces?: readonly string[];
}

export function scratchConfig(o: ScratchOptions): ModelConfig {
  const kvHeads = o.kvHeads ?? o.heads;
  if (o.dim % o.heads !== 0) throw new Error(`scratch model: heads (${o.heads}) must divide dim (${o.dim})`);
  if (o.heads % kvHeads !== 0) throw new Error(`scratch model: kvHeads (${kvHeads}) must divide heads (${o.heads})`);
  if ((o.dim / o.heads) % 2 !== 0) throw new Error('scratch model: dim / heads must be even for RoPE');
  return {
    arch: 'llama',
    hiddenSize: o.dim,
    intermediateSize: o.intermediate ?? Math.ceil((4 * o.dim) / 32) * 32,
    numLayers: o.layers,
    numHeads: o.heads,
    numKvHeads: kvHeads,
    headDim: o.dim / o.heads,
    vocabSize: new ByteTokenizer(o.pieces).vocabSize,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    tieWordEmbeddings: true,
    qkvBias: false,
    maxPositions: o.context,
    eosTokenIds: [ByteTokenizer.EOS],
  };
}

/** GPT-2 style initialisation: N(0, 0.02), output projections scaled by 1/√(2·layers), norms at 1. */
export function scratchWeights(c: ModelConfig, seed: number): ModelWeights {
  const { normal } = createRng(seed);
  const linear = (rows: number, cols: number, std = 0.02): LinearWeight => ({
    kind: 'f32',
    rows,
    cols,
    data: Float32Array.from({ length: rows * cols }, () => normal(std)),
  });
  const ones = (n: number) => new Float32Array(n).fill(1);
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const residualStd = 0.02 / Math.sqrt(2 * c.numLayers);
  const layers: LayerWeights[] = Array.from({ length: c.numLayers }, () => ({
    inputNorm: ones(c.hiddenSize),
    q: linear(q, c.hiddenSize),
    k: linear(kv, c.hiddenSize),
    v: linear(kv, c.hiddenSize),
    o: linear(c.hiddenSize, q, residualStd),
    postNorm: ones(c.hiddenSize),
    gate: linear(c.intermediateSize, c.hiddenSize),
    up: linear(c.intermediateSize, c.hiddenSize),
    down: linear(c.hiddenSize, c.intermediateSize, residualStd),
  }));
  return { embed: linear(c.vocabSize, c.hiddenSize), layers, finalNorm: ones(c.hiddenSize) };
}
