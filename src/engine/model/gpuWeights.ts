// A model's weights on the GPU, uploaded one layer at a time from a WeightReader (or from weights in memory,
// for scratch models). Linear weights keep the checkpoint's form (f32, f16, bf16 or MLC q4), are widened to f32
// or narrowed to f16, or are quantized to q4 on the GPU as they arrive ("quantize on load"), so the CPU never
// holds more than one layer.
import { uploadBuffer } from '../compute.ts';
import type { DenseFormat } from '../kernels/matmul.ts';
import type { WeightMatrix } from '../kernels/q4matmul.ts';
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
  | { kind: 'q4'; qweight: GPUBuffer; scales: GPUBuffer; rows: number; cols: number };

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
  return l.kind === 'q4' ? l.qweight.size + l.scales.size : l.w.size;
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
    return {
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
  }
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
  const addLinear = (l: GpuLinear) => (l.kind === 'q4' ? (all.add(l.qweight), all.add(l.scales)) : all.add(l.w));
  addLinear(w.embed);
  addLinear(w.lmHead);
  for (const l of w.layers) {
    for (const n of LINEAR_NAMES) addLinear(l[n]);
    for (const b of [l.inputNorm, l.postNorm, l.qBias, l.kBias, l.vBias]) if (b) all.add(b);
  }
  for (const b of all) b.destroy();
}
