// The buffers one decoder layer's forward writes, for R rows. Inference shares one set across layers;
// training keeps one set per layer (what the backward reads), or one set plus each layer's input when the
// layers are recomputed during the backward (activation checkpointing).
import { createStorageBuffer } from '../compute.ts';
import type { LoraTarget } from '../lora/config.ts';
import type { ModelConfig } from './config.ts';

export const LORA_TARGETS_ORDER: readonly LoraTarget[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

export interface LayerActs {
  /** The layer's input x [R, D] (the residual stream before it). */
  xIn: GPUBuffer;
  rstd1: GPUBuffer; // [R]
  h1: GPUBuffer; // [R, D], rmsnorm(xIn)
  q: GPUBuffer; // [R, nh·d], after RoPE
  k: GPUBuffer; // [R, nkv·d], after RoPE
  v: GPUBuffer; // [R, nkv·d]
  att: GPUBuffer; // [R, nh·d], attention output
  lse: GPUBuffer; // [nh, R]
  xMid: GPUBuffer; // [R, D], xIn + o(att)
  rstd2: GPUBuffer; // [R]
  h2: GPUBuffer; // [R, D], rmsnorm(xMid)
  g: GPUBuffer; // [R, I]
  u: GPUBuffer; // [R, I]
  m: GPUBuffer; // [R, I], silu(g)·u
  /** LoRA's x Aᵀ [R, rank] per adapted projection, kept for its backward. */
  lora: Record<LoraTarget, GPUBuffer> | null;
}

export function createLayerActs(
  device: GPUDevice,
  c: ModelConfig,
  R: number,
  loraRank: number,
  xIn?: GPUBuffer,
): LayerActs {
  const f = (n: number, label: string) => createStorageBuffer(device, n * 4, label);
  const D = c.hiddenSize;
  const hq = c.numHeads * c.headDim;
  const hkv = c.numKvHeads * c.headDim;
  const I = c.intermediateSize;
  return {
    xIn: xIn ?? f(R * D, 'x in'),
    rstd1: f(R, 'rstd1'),
    h1: f(R * D, 'h1'),
    q: f(R * hq, 'q'),
    k: f(R * hkv, 'k'),
    v: f(R * hkv, 'v'),
    att: f(R * hq, 'attention'),
    lse: f(c.numHeads * R, 'lse'),
    xMid: f(R * D, 'x mid'),
    rstd2: f(R, 'rstd2'),
    h2: f(R * D, 'h2'),
    g: f(R * I, 'gate'),
    u: f(R * I, 'up'),
    m: f(R * I, 'silu gate'),
    lora:
      loraRank > 0
        ? (Object.fromEntries(LORA_TARGETS_ORDER.map((t) => [t, f(R * loraRank, `lora u ${t}`)])) as Record<
            LoraTarget,
            GPUBuffer
          >)
        : null,
  };
}

export function destroyLayerActs(a: LayerActs, keepInput = false): void {
  const { xIn, lora, ...rest } = a;
  for (const b of Object.values(rest)) b.destroy();
  if (!keepInput) xIn.destroy();
  for (const b of Object.values(lora ?? {})) b.destroy();
}

export function layerActsBytes(c: ModelConfig, R: number, loraRank: number): number {
  const D = c.hiddenSize;
  const hq = c.numHeads * c.headDim;
  const hkv = c.numKvHeads * c.headDim;
  const floats = R * (4 * D + 2 * hq + 2 * hkv + 3 * c.intermediateSize + 2 + c.numHeads + 7 * loraRank);
  return floats * 4;
}
