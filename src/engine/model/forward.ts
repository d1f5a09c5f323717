// The decoder's forward pass on the GPU, one layer at a time, as in docs: for each layer
//   h = rmsnorm(x);  q, k, v = h Wqᵀ (+b), h Wkᵀ (+b), h Wvᵀ (+b);  q, k = rope(q), rope(k)
//   o = attention(q, k, v);  x = x + o Woᵀ
//   h = rmsnorm(x);  m = silu(h Wgᵀ) · (h Wuᵀ);  x = x + m Wdᵀ
// then the final rmsnorm. Every projection also adds its LoRA term when an adapter is on.
// Rows are either positions of KV-cache slots (generation: new K, V are written to the cache and attention
// reads the cache) or whole sequences packed one after another (training: attention reads this batch's K, V).
import { addInPlace } from '../kernels/add.ts';
import { attention } from '../kernels/attention.ts';
import { embedding } from '../kernels/embedding.ts';
import { writeKv, type KvCache } from '../kernels/kvcache.ts';
import { rmsnorm } from '../kernels/rmsnorm.ts';
import { rope } from '../kernels/rope.ts';
import { siluGate } from '../kernels/siluGate.ts';
import type { LoraTarget } from '../lora/config.ts';
import type { GpuLoraAdapter } from '../lora/gpuAdapter.ts';
import type { LayerActs } from './activations.ts';
import { weightMatrix, type GpuLinear, type GpuWeights } from './gpuWeights.ts';
import { canFuseDecode, fusedDecodeLayer } from './fusedDecode.ts';
import { linear } from './linear.ts';

export interface ForwardRows {
  R: number;
  ids: GPUBuffer; // [R] u32
  positions: GPUBuffer; // [R] u32, RoPE positions
  /** [R, 2] u32 key spans: cacheKeys (with `cache`) or packedKeys (without). */
  keys: GPUBuffer;
  /** The most keys any row attends to (its span's count). */
  maxKeys: number;
  /** Generation: write K, V into this cache and attend over it. */
  cache?: KvCache;
  /** Each row is the one new token of its own cache slot (a decode step, not a prefill). */
  decodeStep?: boolean;
}

export interface ForwardContext {
  device: GPUDevice;
  weights: GpuWeights;
  lora?: GpuLoraAdapter;
}

/** Writes the token embeddings of the rows into x [R, D]. */
export function embedRows(ctx: ForwardContext, encoder: GPUCommandEncoder, rows: ForwardRows, x: GPUBuffer): void {
  const c = ctx.weights.config;
  embedding(ctx.device, encoder, {
    ids: rows.ids,
    table: weightMatrix(ctx.weights.embed),
    out: x,
    T: rows.R,
    D: c.hiddenSize,
    V: c.vocabSize,
  });
}

function project(
  ctx: ForwardContext,
  encoder: GPUCommandEncoder,
  layer: number,
  target: LoraTarget,
  w: GpuLinear,
  x: GPUBuffer,
  y: GPUBuffer,
  acts: LayerActs,
  R: number,
  bias?: GPUBuffer,
): void {
  linear(ctx.device, encoder, w, x, y, R, bias);
  if (ctx.lora?.active(layer, target) && acts.lora)
    ctx.lora.forward(encoder, layer, target, { T: R, x, u: acts.lora[target], y });
}

/**
 * Records one decoder layer: reads acts.xIn, writes every other buffer of acts, and the layer's output into xOut
 * (the gpu family's decode step takes fusedDecodeLayer, which writes only what later layers read).
 */
export function layerForward(
  ctx: ForwardContext,
  encoder: GPUCommandEncoder,
  l: number,
  rows: ForwardRows,
  acts: LayerActs,
  xOut: GPUBuffer,
): void {
  if (canFuseDecode(ctx, l, rows, acts, xOut)) return fusedDecodeLayer(ctx, encoder, l, rows, acts);
  const { device } = ctx;
  const c = ctx.weights.config;
  const w = ctx.weights.layers[l];
  const R = rows.R;
  const D = c.hiddenSize;
  const eps = c.rmsNormEps;

  rmsnorm(device, encoder, { x: acts.xIn, w: w.inputNorm, y: acts.h1, rstd: acts.rstd1, T: R, D, eps });
  project(ctx, encoder, l, 'q', w.q, acts.h1, acts.q, acts, R, w.qBias);
  project(ctx, encoder, l, 'k', w.k, acts.h1, acts.k, acts, R, w.kBias);
  project(ctx, encoder, l, 'v', w.v, acts.h1, acts.v, acts, R, w.vBias);
  const ropeArgs = { positions: rows.positions, invFreq: ctx.weights.invFreq, T: R, headDim: c.headDim };
  rope(device, encoder, { ...ropeArgs, x: acts.q, nHeads: c.numHeads });
  rope(device, encoder, { ...ropeArgs, x: acts.k, nHeads: c.numKvHeads });
  const heads = {
    R,
    nHeads: c.numHeads,
    nKvHeads: c.numKvHeads,
    headDim: c.headDim,
    keys: rows.keys,
    maxKeys: rows.maxKeys,
    q: acts.q,
    o: acts.att,
    lse: acts.lse,
  };
  if (rows.cache) {
    writeKv(device, encoder, rows.cache, l, { src: acts.k, vSrc: acts.v, keys: rows.keys, R });
    attention(device, encoder, { ...heads, k: rows.cache.k[l], v: rows.cache.v[l], decodeStep: rows.decodeStep });
  } else {
    attention(device, encoder, { ...heads, k: acts.k, v: acts.v });
  }
  project(ctx, encoder, l, 'o', w.o, acts.att, acts.xMid, acts, R);
  addInPlace(device, encoder, { x: acts.xIn, y: acts.xMid, count: R * D });

  rmsnorm(device, encoder, { x: acts.xMid, w: w.postNorm, y: acts.h2, rstd: acts.rstd2, T: R, D, eps });
  project(ctx, encoder, l, 'gate', w.gate, acts.h2, acts.g, acts, R);
  project(ctx, encoder, l, 'up', w.up, acts.h2, acts.u, acts, R);
  siluGate(device, encoder, { inputs: { g: acts.g, u: acts.u }, m: acts.m, T: R, I: c.intermediateSize });
  // xOut may be xIn itself (inference shares one residual buffer): xIn is no longer needed here.
  project(ctx, encoder, l, 'down', w.down, acts.m, xOut, acts, R);
  addInPlace(device, encoder, { x: acts.xMid, y: xOut, count: R * D });
}

/** Records the final rmsnorm of x into h (rstd kept for the backward). */
export function finalNorm(
  ctx: ForwardContext,
  encoder: GPUCommandEncoder,
  R: number,
  x: GPUBuffer,
  h: GPUBuffer,
  rstd: GPUBuffer,
): void {
  const c = ctx.weights.config;
  rmsnorm(ctx.device, encoder, { x, w: ctx.weights.finalNorm, y: h, rstd, T: R, D: c.hiddenSize, eps: c.rmsNormEps });
}
