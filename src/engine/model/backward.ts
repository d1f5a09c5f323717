// The decoder layer's backward pass, the forward (forward.ts) read from the bottom up. With dOut the
// gradient of the layer's output xOut = xMid + down(m):
//   dm = dOut W_d;  dg, du = siluGate'(dm);  dh2 = dg W_g + du W_u
//   dxMid = dOut + rmsnorm'(dh2);  datt = dxMid W_o;  dq, dk, dv = attention'(datt);  dq, dk = rope⁻¹(dq, dk)
//   dh1 = dq W_q + dk W_k + dv W_v;  dxIn = dxMid + rmsnorm'(dh1)
// Gradients flow through frozen weights (f32 or q4); LoRA adds its input gradient and accumulates dA, dB;
// full training (f32 weights) also accumulates every weight's gradient in `grads`.
import { createStorageBuffer } from '../compute.ts';
import { addInPlace } from '../kernels/add.ts';
import { attentionBackward } from '../kernels/attentionBackward.ts';
import { linearBiasBackward, linearWeightBackward } from '../kernels/linearBackward.ts';
import { rmsnormBackward } from '../kernels/rmsnormBackward.ts';
import { rope } from '../kernels/rope.ts';
import { siluGateBackward } from '../kernels/siluGateBackward.ts';
import type { LoraTarget } from '../lora/config.ts';
import type { LayerActs } from './activations.ts';
import type { ModelConfig } from './config.ts';
import type { ForwardContext, ForwardRows } from './forward.ts';
import type { GpuLinear, LinearName } from './gpuWeights.ts';
import { linearInputGrad } from './linear.ts';

/** Gradients of one layer's weights (full training): same shapes as the weights. */
export interface LayerGrads {
  linear: Record<LinearName, GPUBuffer>;
  inputNorm: GPUBuffer;
  postNorm: GPUBuffer;
  qBias?: GPUBuffer;
  kBias?: GPUBuffer;
  vBias?: GPUBuffer;
}

/** Scratch gradients for R rows, shared by every layer's backward. */
export interface BackwardScratch {
  dMid: GPUBuffer; // [R, D]
  dh: GPUBuffer; // [R, D]
  tmp: GPUBuffer; // [R, D]
  dm: GPUBuffer; // [R, I]
  dg: GPUBuffer; // [R, I]
  du: GPUBuffer; // [R, I]
  datt: GPUBuffer; // [R, nh·d]
  dq: GPUBuffer; // [R, nh·d]
  dk: GPUBuffer; // [R, nkv·d]
  dv: GPUBuffer; // [R, nkv·d]
  delta: GPUBuffer; // [nh, R]
  loraDu: GPUBuffer; // [R, rank]
}

export function createBackwardScratch(device: GPUDevice, c: ModelConfig, R: number, rank: number): BackwardScratch {
  const f = (n: number, label: string) => createStorageBuffer(device, Math.max(1, n) * 4, label);
  const D = c.hiddenSize;
  const I = c.intermediateSize;
  const hq = c.numHeads * c.headDim;
  const hkv = c.numKvHeads * c.headDim;
  return {
    dMid: f(R * D, 'd x mid'),
    dh: f(R * D, 'd h'),
    tmp: f(R * D, 'd tmp'),
    dm: f(R * I, 'd m'),
    dg: f(R * I, 'd gate'),
    du: f(R * I, 'd up'),
    datt: f(R * hq, 'd attention'),
    dq: f(R * hq, 'd q'),
    dk: f(R * hkv, 'd k'),
    dv: f(R * hkv, 'd v'),
    delta: f(c.numHeads * R, 'attention delta'),
    loraDu: f(R * rank, 'd lora u'),
  };
}

export function destroyBackwardScratch(s: BackwardScratch): void {
  for (const b of Object.values(s)) b.destroy();
}

interface Projection {
  target: LoraTarget;
  w: GpuLinear;
  x: GPUBuffer; // the projection's input, saved by the forward
  dy: GPUBuffer; // gradient of its output
}

/** dx (+)= dy W for one projection, plus its LoRA and (full training) weight gradients. */
function projectionBackward(
  ctx: ForwardContext,
  encoder: GPUCommandEncoder,
  l: number,
  R: number,
  p: Projection,
  dx: GPUBuffer,
  accumulate: boolean,
  s: BackwardScratch,
  acts: LayerActs,
  grads?: LayerGrads,
): void {
  const { device } = ctx;
  linearInputGrad(device, encoder, p.w, p.dy, accumulate ? s.tmp : dx, R);
  if (accumulate) addInPlace(device, encoder, { x: s.tmp, y: dx, count: R * p.w.cols });
  if (ctx.lora?.active(l, p.target) && acts.lora) {
    ctx.lora.backward(encoder, l, p.target, { T: R, x: p.x, u: acts.lora[p.target], dy: p.dy, du: s.loraDu, dx });
  }
  if (grads)
    linearWeightBackward(device, encoder, {
      dy: p.dy,
      x: p.x,
      dw: grads.linear[p.target],
      M: R,
      N: p.w.rows,
      K: p.w.cols,
    });
}

/** Records one layer's backward: reads dOut [R, D], writes dIn [R, D] (dIn may be dOut's buffer only if distinct from scratch). */
export function layerBackward(
  ctx: ForwardContext,
  encoder: GPUCommandEncoder,
  l: number,
  rows: ForwardRows,
  acts: LayerActs,
  dOut: GPUBuffer,
  dIn: GPUBuffer,
  s: BackwardScratch,
  grads?: LayerGrads,
): void {
  const { device } = ctx;
  const c = ctx.weights.config;
  const w = ctx.weights.layers[l];
  const R = rows.R;
  const D = c.hiddenSize;
  const I = c.intermediateSize;

  projectionBackward(
    ctx,
    encoder,
    l,
    R,
    { target: 'down', w: w.down, x: acts.m, dy: dOut },
    s.dm,
    false,
    s,
    acts,
    grads,
  );
  siluGateBackward(device, encoder, {
    dm: s.dm,
    inputs: { g: acts.g, u: acts.u },
    grads: { dg: s.dg, du: s.du },
    T: R,
    I,
  });
  projectionBackward(
    ctx,
    encoder,
    l,
    R,
    { target: 'gate', w: w.gate, x: acts.h2, dy: s.dg },
    s.dh,
    false,
    s,
    acts,
    grads,
  );
  projectionBackward(ctx, encoder, l, R, { target: 'up', w: w.up, x: acts.h2, dy: s.du }, s.dh, true, s, acts, grads);
  encoder.copyBufferToBuffer(dOut, 0, s.dMid, 0, R * D * 4);
  rmsnormBackward(device, encoder, {
    dy: s.dh,
    x: acts.xMid,
    w: w.postNorm,
    rstd: acts.rstd2,
    dx: s.dMid,
    accumulate: true,
    dw: grads?.postNorm,
    T: R,
    D,
  });

  projectionBackward(
    ctx,
    encoder,
    l,
    R,
    { target: 'o', w: w.o, x: acts.att, dy: s.dMid },
    s.datt,
    false,
    s,
    acts,
    grads,
  );
  attentionBackward(device, encoder, {
    q: acts.q,
    k: acts.k,
    v: acts.v,
    o: acts.att,
    lse: acts.lse,
    keys: rows.keys,
    maxKeys: rows.maxKeys,
    dO: s.datt,
    delta: s.delta,
    dQ: s.dq,
    dK: s.dk,
    dV: s.dv,
    R,
    nHeads: c.numHeads,
    nKvHeads: c.numKvHeads,
    headDim: c.headDim,
  });
  const unrotate = { positions: rows.positions, invFreq: ctx.weights.invFreq, T: R, headDim: c.headDim, inverse: true };
  rope(device, encoder, { ...unrotate, x: s.dq, nHeads: c.numHeads });
  rope(device, encoder, { ...unrotate, x: s.dk, nHeads: c.numKvHeads });
  projectionBackward(ctx, encoder, l, R, { target: 'q', w: w.q, x: acts.h1, dy: s.dq }, s.dh, false, s, acts, grads);
  projectionBackward(ctx, encoder, l, R, { target: 'k', w: w.k, x: acts.h1, dy: s.dk }, s.dh, true, s, acts, grads);
  projectionBackward(ctx, encoder, l, R, { target: 'v', w: w.v, x: acts.h1, dy: s.dv }, s.dh, true, s, acts, grads);
  if (grads?.qBias) linearBiasBackward(device, encoder, { dy: s.dq, db: grads.qBias, M: R, N: w.q.rows });
  if (grads?.kBias) linearBiasBackward(device, encoder, { dy: s.dk, db: grads.kBias, M: R, N: w.k.rows });
  if (grads?.vBias) linearBiasBackward(device, encoder, { dy: s.dv, db: grads.vBias, M: R, N: w.v.rows });
  encoder.copyBufferToBuffer(s.dMid, 0, dIn, 0, R * D * 4);
  rmsnormBackward(device, encoder, {
    dy: s.dh,
    x: acts.xIn,
    w: w.inputNorm,
    rstd: acts.rstd1,
    dx: dIn,
    accumulate: true,
    dw: grads?.inputNorm,
    T: R,
    D,
  });
}
