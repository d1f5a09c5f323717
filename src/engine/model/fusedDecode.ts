// The gpu family's decode layer: the same math as layerForward (forward.ts) in 8 dispatches instead of 17, for a
// decode step of up to 16 rows over a KV cache through a q4 layer whose q, k, v and gate, up are stacked
// (GpuLayer.stacked) and that no LoRA adapter touches (a prefill's rows read each other's keys before any is in the
// cache, so it keeps the unfused path):
//   rmsnorm → qkv GEMV (+ bias) → attention pass 1 (+ RoPE, + the KV-cache write) → combine
//   → o GEMV (+ the residual) → rmsnorm → gate_up GEMV → down GEMV (SiLU-gate in its prologue, + the residual).
// WebGPU pays for every dispatch, and at decode sizes a GPU finishes each in microseconds, so their number is
// what bounds a batch-1 step. Activations not needed later (acts.q, k, v, g, u, m, xMid) are not written.
import { scratchBuffer } from '../compute.ts';
import { kernelFamily } from '../kernelFamily.ts';
import { decodeAttention, SPLIT_ATTENTION_ROWS } from '../kernels/attentionSplit.ts';
import { q4GemvSplit, SPLIT_GEMV_ROWS } from '../kernels/q4gemvSplit.ts';
import { rmsnorm } from '../kernels/rmsnorm.ts';
import { LORA_TARGETS } from '../lora/config.ts';
import type { LayerActs } from './activations.ts';
import type { ForwardContext, ForwardRows } from './forward.ts';

/** Whether layer `l` of this step can take fusedDecodeLayer (see the file header); xOut must be acts.xIn. */
export function canFuseDecode(ctx: ForwardContext, l: number, rows: ForwardRows, acts: LayerActs, xOut: GPUBuffer) {
  const w = ctx.weights.layers[l];
  return (
    kernelFamily(ctx.device) === 'gpu' &&
    !!rows.cache &&
    !!rows.decodeStep &&
    !!w.stacked &&
    w.o.kind === 'q4' &&
    w.down.kind === 'q4' &&
    rows.R <= Math.min(SPLIT_GEMV_ROWS, SPLIT_ATTENTION_ROWS) &&
    xOut === acts.xIn &&
    !LORA_TARGETS.some((t) => ctx.lora?.active(l, t))
  );
}

/** Records layer `l` of a decode step in place on acts.xIn (canFuseDecode must hold). */
export function fusedDecodeLayer(
  ctx: ForwardContext,
  encoder: GPUCommandEncoder,
  l: number,
  rows: ForwardRows,
  acts: LayerActs,
): void {
  const { device } = ctx;
  const c = ctx.weights.config;
  const w = ctx.weights.layers[l];
  const { qkv, qkvBias, gateUp } = w.stacked!;
  if (w.o.kind !== 'q4' || w.down.kind !== 'q4' || !rows.cache)
    throw new Error('fusedDecodeLayer: not a fusable layer');
  const { R } = rows;
  const [D, I, eps] = [c.hiddenSize, c.intermediateSize, c.rmsNormEps];
  const scratch = (name: string, floats: number) => scratchBuffer(device, name, Math.ceil(floats / 4) * 16);
  const qkvOut = scratch('decode qkv', R * qkv.rows);
  const gateUpOut = scratch('decode gate_up', R * gateUp.rows);
  const x = acts.xIn;

  rmsnorm(device, encoder, { x, w: w.inputNorm, y: acts.h1, rstd: acts.rstd1, T: R, D, eps });
  q4GemvSplit(device, encoder, { ...qkv, x: acts.h1, y: qkvOut, bias: qkvBias, B: R, N: qkv.rows, K: D });
  decodeAttention(device, encoder, {
    R,
    nHeads: c.numHeads,
    nKvHeads: c.numKvHeads,
    headDim: c.headDim,
    qkv: qkvOut,
    qkvStride: qkv.rows,
    kvOffset: c.numHeads * c.headDim,
    kCache: rows.cache.k[l],
    vCache: rows.cache.v[l],
    keys: rows.keys,
    maxKeys: rows.maxKeys,
    invFreq: ctx.weights.invFreq,
    o: acts.att,
    lse: acts.lse,
  });
  const o = { qweight: w.o.qweight, scales: w.o.scales };
  q4GemvSplit(device, encoder, { ...o, x: acts.att, y: x, B: R, N: D, K: w.o.cols, accumulate: true });
  rmsnorm(device, encoder, { x, w: w.postNorm, y: acts.h2, rstd: acts.rstd2, T: R, D, eps });
  q4GemvSplit(device, encoder, { ...gateUp, x: acts.h2, y: gateUpOut, B: R, N: gateUp.rows, K: D });
  const down = { qweight: w.down.qweight, scales: w.down.scales };
  q4GemvSplit(device, encoder, { ...down, x: gateUpOut, y: x, B: R, N: D, K: I, siluGate: true, accumulate: true });
}
