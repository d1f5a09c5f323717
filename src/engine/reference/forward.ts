// The CPU reference forward pass of a whole Qwen2 / Llama model: the oracle the GPU engine is tested against.
// Deliberately plain (see docs/engine.md for the graph):
//   x = embed[ids]
//   per layer:  h = rmsnorm(x, w_in);  q, k, v = h Wqᵀ (+bq), h Wkᵀ (+bk), h Wvᵀ (+bv);  q, k = rope(q), rope(k)
//               x = x + attention(q, k, v) Woᵀ
//               h = rmsnorm(x, w_post);  x = x + (silu(h Wgᵀ) · h Wuᵀ) Wdᵀ
//   logits = rmsnorm(x, w_final) Eᵀ   (E = lm_head, or the embedding when tied)
// Quantized weights are dequantized on the fly, so an MLC checkpoint runs here too.

import { ropeInvFreq, type ModelConfig } from '../model/config.ts';
import { linearToF32, type LayerWeights, type LinearWeight, type ModelWeights } from '../load/weights.ts';
import { matmulRef } from './matmul.ts';
import { attentionRef, rmsnormRef, ropeRef, siluGateRef } from './ops.ts';

/** y [T, rows] = x [T, cols] · Wᵀ (+ bias). */
function linearRef(x: Float32Array, w: LinearWeight, T: number, bias?: Float32Array): Float32Array {
  return matmulRef(x, linearToF32(w), T, w.rows, w.cols, bias);
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((value, i) => value + b[i]);
}

/** x [T, hidden] = rows of the embedding table. */
export function embedRef(embed: LinearWeight, ids: readonly number[]): Float32Array {
  const x = new Float32Array(ids.length * embed.cols);
  ids.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= embed.rows)
      throw new Error(`token id ${id} at position ${t} is outside the vocabulary [0, ${embed.rows})`);
    x.set(linearToF32(embed, id, 1), t * embed.cols);
  });
  return x;
}

/** One decoder layer: x [T, hidden] -> x [T, hidden]. */
export function decoderLayerRef(
  c: ModelConfig,
  layer: LayerWeights,
  x: Float32Array,
  positions: readonly number[],
  invFreq: Float32Array,
): Float32Array {
  const T = positions.length;
  const h = rmsnormRef(x, layer.inputNorm, T, c.hiddenSize, c.rmsNormEps);
  const q = ropeRef(linearRef(h, layer.q, T, layer.qBias), positions, invFreq, T, c.numHeads, c.headDim);
  const k = ropeRef(linearRef(h, layer.k, T, layer.kBias), positions, invFreq, T, c.numKvHeads, c.headDim);
  const v = linearRef(h, layer.v, T, layer.vBias);
  const attention = attentionRef(q, k, v, T, c.numHeads, c.numKvHeads, c.headDim);
  const afterAttention = add(x, linearRef(attention, layer.o, T));
  const h2 = rmsnormRef(afterAttention, layer.postNorm, T, c.hiddenSize, c.rmsNormEps);
  const mlp = siluGateRef(linearRef(h2, layer.gate, T), linearRef(h2, layer.up, T));
  return add(afterAttention, linearRef(mlp, layer.down, T));
}

/** Logits [ids.length, vocab] of every position of one sequence starting at position 0. */
export function referenceLogits(c: ModelConfig, weights: ModelWeights, ids: readonly number[]): Float32Array {
  if (weights.layers.length !== c.numLayers)
    throw new Error(`weights have ${weights.layers.length} layers, the config ${c.numLayers}`);
  const positions = ids.map((_, t) => t);
  const invFreq = ropeInvFreq(c);
  let x = embedRef(weights.embed, ids);
  for (const layer of weights.layers) x = decoderLayerRef(c, layer, x, positions, invFreq);
  const h = rmsnormRef(x, weights.finalNorm, ids.length, c.hiddenSize, c.rmsNormEps);
  return linearRef(h, weights.lmHead ?? weights.embed, ids.length);
}
