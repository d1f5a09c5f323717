// Gradient buffers for training every weight of a (tiny, f32) model, and the parameter list AdamW updates.
// Norm weights and biases get no weight decay, as is usual.
import { createStorageBuffer } from '../compute.ts';
import type { LayerGrads } from '../model/backward.ts';
import { LINEAR_NAMES, type GpuLinear, type GpuWeights } from '../model/gpuWeights.ts';
import type { TrainableBuffer } from './adamw.ts';

export interface FullGrads {
  embed: GPUBuffer;
  /** Absent when the output projection is the (tied) embedding. */
  lmHead?: GPUBuffer;
  finalNorm: GPUBuffer;
  layers: LayerGrads[];
}

function f32Weight(l: GpuLinear, what: string): GPUBuffer {
  if (l.kind !== 'f32')
    throw new Error(`full training needs f32 weights, but ${what} is q4: load the model with quantization f32`);
  return l.w;
}

export function createFullGrads(device: GPUDevice, w: GpuWeights): FullGrads {
  const like = (b: GPUBuffer, label: string) => createStorageBuffer(device, b.size, label);
  return {
    embed: like(f32Weight(w.embed, 'the embedding'), 'd embedding'),
    lmHead: w.lmHead === w.embed ? undefined : like(f32Weight(w.lmHead, 'lm_head'), 'd lm_head'),
    finalNorm: like(w.finalNorm, 'd final norm'),
    layers: w.layers.map((l, i) => ({
      linear: Object.fromEntries(
        LINEAR_NAMES.map((n) => [n, like(f32Weight(l[n], `layer ${i} ${n}`), `d layer ${i} ${n}`)]),
      ) as LayerGrads['linear'],
      inputNorm: like(l.inputNorm, `d layer ${i} input norm`),
      postNorm: like(l.postNorm, `d layer ${i} post norm`),
      qBias: l.qBias && like(l.qBias, `d layer ${i} q bias`),
      kBias: l.kBias && like(l.kBias, `d layer ${i} k bias`),
      vBias: l.vBias && like(l.vBias, `d layer ${i} v bias`),
    })),
  };
}

export function fullTrainables(w: GpuWeights, g: FullGrads): TrainableBuffer[] {
  const t = (param: GPUBuffer, grad: GPUBuffer, decay = true): TrainableBuffer => ({
    param,
    grad,
    count: param.size / 4,
    weightDecay: decay ? undefined : 0,
  });
  const list = [t(f32Weight(w.embed, 'the embedding'), g.embed), t(w.finalNorm, g.finalNorm, false)];
  if (g.lmHead) list.push(t(f32Weight(w.lmHead, 'lm_head'), g.lmHead));
  w.layers.forEach((l, i) => {
    const lg = g.layers[i];
    for (const n of LINEAR_NAMES) list.push(t(f32Weight(l[n], n), lg.linear[n]));
    list.push(t(l.inputNorm, lg.inputNorm, false), t(l.postNorm, lg.postNorm, false));
    for (const [b, gb] of [
      [l.qBias, lg.qBias],
      [l.kBias, lg.kBias],
      [l.vBias, lg.vBias],
    ] as const)
      if (b && gb) list.push(t(b, gb, false));
  });
  return list;
}

export function destroyFullGrads(g: FullGrads): void {
  const all = [
    g.embed,
    g.lmHead,
    g.finalNorm,
    ...g.layers.flatMap((l) => [...Object.values(l.linear), l.inputNorm, l.postNorm, l.qBias, l.kBias, l.vBias]),
  ];
  for (const b of all) b?.destroy();
}
