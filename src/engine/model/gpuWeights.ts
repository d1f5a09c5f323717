// A model's weights on the GPU, uploaded one layer at a time from a WeightReader (or from weights in memory,
// for scratch models). Linear weights keep the checkpoint's form (f32, f16, bf16 or MLC q4), are widened to f32
// or narrowed to f16, or are quantized to q4 on the GPU as they arrive ("quantize on load"), so the CPU never
// holds more than one layer.
import { createStorageBuffer, uploadBuffer, type Bindable } from '../compute.ts';
import { type DenseFormat } from '../kernels/matmul.ts';
import { bindingBytes } from '../kernels/checks.ts';
import type { Q4Weight, WeightMatrix } from '../kernels/q4matmul.ts';
import { q4Quantize } from '../kernels/q4Quantize.ts';
import { f32ToF16 } from '../load/dtype.ts';
import {
  linearToF32,
  type LayerWeights,
  type LinearWeight,
  type ModelWeights,
  type WeightReader,
} from '../load/weights.ts';
import type { ModelConfig } from './config.ts';
import { ropeInvFreq } from './config.ts';

/** A linear weight [rows = out, cols = in] on the GPU: dense (16-bit ones packed two to a u32) or q4. */
export type GpuLinear =
  | { kind: DenseFormat; w: GPUBuffer; rows: number; cols: number }
  | { kind: 'q4'; qweight: Bindable; scales: Bindable; rows: number; cols: number };

/** q4 matrices stacked by rows in one pair of buffers (their GpuLinears are views into it). */
export interface StackedQ4 extends Q4Weight {
  rows: number;
}

/** How the kernels see a linear weight. */
export function weightMatrix(l: GpuLinear): WeightMatrix {
  return l.kind === 'q4' ? { qweight: l.qweight, scales: l.scales } : { format: l.kind, w: l.w };
}

export interface GpuLayer {
  inputNorm: GPUBuffer;
  q: GpuLinear;
  k: GpuLinear;
  v: GpuLinear;
  qBias?: GPUBuffer;
  kBias?: GPUBuffer;
  vBias?: GPUBuffer;
  o: GpuLinear;
  postNorm: GPUBuffer;
  gate: GpuLinear;
  up: GpuLinear;
  down: GpuLinear;
  /**
   * q4 layers: q, k, v stacked [q; k; v] (with their biases, where present) and gate, up stacked [gate; up], for
   * the gpu family's fused decode step; the layer's q, k, v, gate and up are views of these buffers.
   */
  stacked?: { qkv: StackedQ4; qkvBias?: GPUBuffer; gateUp: StackedQ4 };
}

export interface GpuWeights {
  config: ModelConfig;
  embed: GpuLinear;
  layers: GpuLayer[];
  finalNorm: GPUBuffer;
  /** The output projection: lm_head, or the embedding itself when tied. */
  lmHead: GpuLinear;
  invFreq: GPUBuffer;
  /** Bytes of GPU memory these buffers hold. */
  bytes: number;
}

/**
 * What the uploader makes of the matrices: 'none' keeps the checkpoint's precision (f32, f16 or bf16), 'f16'
 * keeps 16-bit weights and rounds f32 ones to f16, 'f32' widens everything, 'q4' quantizes. MLC q4 stays q4.
 */
export type Quantization = 'none' | 'f16' | 'f32' | 'q4';

export interface UploadOptions {
  /**
   * Keep the output projection (lm_head, or the embedding when tied) in f32 whatever the quantization: the
   * trainer's fused loss reads it in f32. A tied q4 model then keeps its embedding in f32 too (4 bytes a weight).
   */
  keepOutputF32?: boolean;
}

export const LINEAR_NAMES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

export function linearBytes(l: GpuLinear): number {
  return l.kind === 'q4' ? bindingBytes(l.qweight) + bindingBytes(l.scales) : l.w.size;
}

class Uploader {
  bytes = 0;
  constructor(
    private readonly device: GPUDevice,
    private readonly quant: Quantization,
  ) {}

  vector(data: Float32Array, label: string): GPUBuffer {
    const b = uploadBuffer(this.device, data, label);
    this.bytes += b.size;
    return b;
  }

  /** The output projection: f32 when asked (the trainer's fused loss reads it so), else as any linear weight. */
  output(w: LinearWeight, label: string, keepF32: boolean | undefined): GpuLinear {
    return keepF32 ? this.dense(w, 'f32', label) : this.linear(w, label);
  }

  /** Keeps MLC q4 as it is; dense weights become what the quantization asks (q4 is made on the GPU). */
  linear(w: LinearWeight, label: string): GpuLinear {
    if (w.kind === 'q4') {
      const l: GpuLinear = {
        kind: 'q4',
        qweight: uploadBuffer(this.device, w.qweight, label),
        scales: uploadBuffer(this.device, w.scales, `${label} scales`),
        rows: w.rows,
        cols: w.cols,
      };
      this.bytes += linearBytes(l);
      return l;
    }
    // Quantization groups run along rows (cols % 32); a matrix that does not fit keeps its precision.
    if (this.quant !== 'q4') return this.dense(w, denseFormat(w.kind, this.quant), label);
    if (w.cols % 32 !== 0) return this.dense(w, w.kind, label);
    const f32 = uploadBuffer(this.device, linearToF32(w), label);
    const encoder = this.device.createCommandEncoder();
    const q = q4Quantize(this.device, encoder, f32, w.rows, w.cols);
    this.device.queue.submit([encoder.finish()]);
    this.device.queue.onSubmittedWorkDone().then(() => f32.destroy());
    const l: GpuLinear = { kind: 'q4', ...q };
    this.bytes += linearBytes(l);
    return l;
  }

  /** Uploads a matrix densely in `format` (16-bit needs whole quads along rows, else it is widened to f32). */
  private dense(w: LinearWeight, format: DenseFormat, label: string): GpuLinear {
    const kind = w.cols % 4 === 0 ? format : 'f32';
    const l: GpuLinear = { kind, w: uploadBuffer(this.device, denseData(w, kind), label), rows: w.rows, cols: w.cols };
    this.bytes += linearBytes(l);
    return l;
  }

  layer(w: LayerWeights, i: number): GpuLayer {
    const name = (n: string) => `layer ${i} ${n}`;
    const optional = (v: Float32Array | undefined, n: string) => (v ? this.vector(v, name(n)) : undefined);
    const layer: GpuLayer = {
      inputNorm: this.vector(w.inputNorm, name('input norm')),
      q: this.linear(w.q, name('q')),
      k: this.linear(w.k, name('k')),
      v: this.linear(w.v, name('v')),
      qBias: optional(w.qBias, 'q bias'),
      kBias: optional(w.kBias, 'k bias'),
      vBias: optional(w.vBias, 'v bias'),
      o: this.linear(w.o, name('o')),
      postNorm: this.vector(w.postNorm, name('post norm')),
      gate: this.linear(w.gate, name('gate')),
      up: this.linear(w.up, name('up')),
      down: this.linear(w.down, name('down')),
    };
    this.stack(layer, w, name);
    return layer;
  }

  /** Stacks q, k, v and gate, up of a q4 layer (see GpuLayer.stacked), where the binding offsets line up. */
  private stack(layer: GpuLayer, w: LayerWeights, name: (n: string) => string): void {
    const qkv = stackQ4(this.device, [layer.q, layer.k, layer.v], name('qkv'));
    const gateUp = qkv && stackQ4(this.device, [layer.gate, layer.up], name('gate_up'));
    if (!qkv || !gateUp) return;
    [layer.q, layer.k, layer.v] = qkv.views;
    [layer.gate, layer.up] = gateUp.views;
    const biases = [w.qBias, w.kBias, w.vBias];
    const qkvBias = biases.every((b) => b)
      ? this.vector(Float32Array.from(biases.flatMap((b) => Array.from(b!))), name('qkv bias'))
      : undefined;
    layer.stacked = { qkv: qkv.stacked, qkvBias, gateUp: gateUp.stacked };
  }
}

/**
 * One pair of buffers holding q4 matrices of equal width stacked by rows, and each matrix as a view into it (the
 * separate buffers are freed), or undefined when the matrices are not all q4 or a view would start off the
 * device's storage-offset alignment.
 */
function stackQ4(
  device: GPUDevice,
  parts: GpuLinear[],
  label: string,
): { stacked: StackedQ4; views: GpuLinear[] } | undefined {
  const align = device.limits.minStorageBufferOffsetAlignment;
  const q4 = parts.filter((p) => p.kind === 'q4');
  if (q4.length !== parts.length || q4.some((p) => p.cols !== parts[0].cols)) return undefined;
  const sizes = q4.map((p) => ({ words: (p.rows * p.cols) / 2, scales: (p.rows * p.cols) / 8 }));
  if (sizes.slice(0, -1).some((s) => s.words % align !== 0 || s.scales % align !== 0)) return undefined;
  const total = (key: 'words' | 'scales') => sizes.reduce((sum, s) => sum + s[key], 0);
  const qweight = createStorageBuffer(device, total('words'), label);
  const scales = createStorageBuffer(device, total('scales'), `${label} scales`);
  const encoder = device.createCommandEncoder();
  let at = { words: 0, scales: 0 };
  const views = q4.map((p, i): GpuLinear => {
    const view = {
      ...p,
      qweight: { buffer: qweight, offset: at.words, size: sizes[i].words },
      scales: { buffer: scales, offset: at.scales, size: sizes[i].scales },
    };
    copyBinding(encoder, p.qweight, view.qweight);
    copyBinding(encoder, p.scales, view.scales);
    at = { words: at.words + sizes[i].words, scales: at.scales + sizes[i].scales };
    return view;
  });
  device.queue.submit([encoder.finish()]);
  for (const p of q4) for (const b of [p.qweight, p.scales]) ('buffer' in b ? b.buffer : b).destroy();
  return { stacked: { qweight, scales, rows: q4.reduce((sum, p) => sum + p.rows, 0) }, views };
}

function copyBinding(
  encoder: GPUCommandEncoder,
  from: Bindable,
  to: { buffer: GPUBuffer; offset: number; size: number },
) {
  const source = 'buffer' in from ? from : { buffer: from, offset: 0 };
  encoder.copyBufferToBuffer(source.buffer, source.offset ?? 0, to.buffer, to.offset, to.size);
}

/** Uploads weights held in memory (scratch models, tests). */
export function uploadWeights(
  device: GPUDevice,
  config: ModelConfig,
  w: ModelWeights,
  quant: Quantization,
  options: UploadOptions = {},
): GpuWeights {
  const up = new Uploader(device, quant);
  const embed = up.output(w.embed, 'embedding', options.keepOutputF32 && !w.lmHead);
  const layers = w.layers.map((l, i) => up.layer(l, i));
  const finalNorm = up.vector(w.finalNorm, 'final norm');
  const lmHead = w.lmHead ? up.output(w.lmHead, 'lm_head', options.keepOutputF32) : embed;
  const invFreq = up.vector(ropeInvFreq(config), 'rope inv_freq');
  return { config, embed, layers, finalNorm, lmHead, invFreq, bytes: up.bytes };
}

/** Streams a checkpoint to the GPU one layer at a time, reporting layers done. */
export async function uploadFromReader(
  device: GPUDevice,
  reader: WeightReader,
  quant: Quantization,
  onLayer?: (done: number, total: number) => void,
  options: UploadOptions = {},
): Promise<GpuWeights> {
  const c = reader.config;
  const up = new Uploader(device, quant);
  const embed = up.output(await reader.readEmbed(), 'embedding', options.keepOutputF32 && c.tieWordEmbeddings);
  const layers: GpuLayer[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    layers.push(up.layer(await reader.readLayer(i), i));
    await device.queue.onSubmittedWorkDone();
    onLayer?.(i + 1, c.numLayers);
  }
  const finalNorm = up.vector(await reader.readFinalNorm(), 'final norm');
  const head = await reader.readLmHead();
  const lmHead = head ? up.output(head, 'lm_head', options.keepOutputF32) : embed;
  const invFreq = up.vector(ropeInvFreq(c), 'rope inv_freq');
  return { config: c, embed, layers, finalNorm, lmHead, invFreq, bytes: up.bytes };
}

/** w's elements in `format`: f32 values, or 16-bit bits (an f32 matrix may be narrowed to f16, never to bf16). */
function denseData(w: LinearWeight, format: DenseFormat): ArrayBufferView {
  if (format === 'f32') return linearToF32(w);
  if ((w.kind === 'f16' || w.kind === 'bf16') && w.kind === format) return w.bits;
  if (format === 'f16' && w.kind === 'f32') return f32ToF16(w.data);
  throw new Error(`${w.kind} weights cannot be stored as ${format}`);
}

/** The format a dense matrix of kind `stored` gets under a quantization other than q4. */
function denseFormat(stored: DenseFormat, quant: Exclude<Quantization, 'q4'>): DenseFormat {
  if (quant === 'f32') return 'f32';
  if (quant === 'f16') return stored === 'bf16' ? 'bf16' : 'f16';
  return stored;
}

export function destroyWeights(w: GpuWeights): void {
  const all = new Set<GPUBuffer>([w.finalNorm, w.invFreq]);
  const buffer = (b: Bindable) => ('buffer' in b ? b.buffer : b);
  const addLinear = (l: GpuLinear) =>
    l.kind === 'q4' ? (all.add(buffer(l.qweight)), all.add(buffer(l.scales))) : all.add(l.w);
  addLinear(w.embed);
  addLinear(w.lmHead);
  for (const l of w.layers) {
    for (const n of LINEAR_NAMES) addLinear(l[n]);
    for (const b of [l.inputNorm, l.postNorm, l.qBias, l.kBias, l.vBias, l.stacked?.qkvBias]) if (b) all.add(b);
  }
  for (const b of all) b.destroy();
}
