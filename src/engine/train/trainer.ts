// One training engine for SFT and GRPO: every objective here is L = −Σ_t w_t log p(y_t) with per-token
// weights the caller chooses (objective.ts). A micro-batch packs whole sequences row after row; its forward
// keeps what the backward needs (or, with checkpointing, only each layer's input, and recomputes the layer),
// the fused loss gives dH without a [T, V] logits tensor, and the backward accumulates gradients into the LoRA
// adapter (or, for tiny models, every weight). step() applies AdamW to what the micro-batches accumulated.
import { createStorageBuffer, readF32, uploadBuffer } from '../compute.ts';
import { packedKeys } from '../kernels/attention.ts';
import { embeddingBackward } from '../kernels/embeddingBackward.ts';
import { rmsnormBackward } from '../kernels/rmsnormBackward.ts';
import { GpuLoraAdapter } from '../lora/gpuAdapter.ts';
import type { LoraAdapter } from '../lora/adapter.ts';
import { createLayerActs, destroyLayerActs, type LayerActs } from '../model/activations.ts';
import {
  createBackwardScratch,
  destroyBackwardScratch,
  layerBackward,
  type BackwardScratch,
} from '../model/backward.ts';
import type { Decoder } from '../model/decoder.ts';
import { embedRows, finalNorm, layerForward, type ForwardContext, type ForwardRows } from '../model/forward.ts';
import { AdamW, type AdamWConfig, type TrainableBuffer } from './adamw.ts';
import { FusedLoss } from './fusedLoss.ts';
import { createFullGrads, destroyFullGrads, fullTrainables, type FullGrads } from './fullGrads.ts';

export interface TrainSequence {
  ids: number[];
  /** Per position t, the weight of predicting ids[t + 1] (the last position's weight is ignored). */
  weights: ArrayLike<number>;
}

export interface TrainerOptions {
  /** 'lora' trains `adapter`; 'full' trains every weight (f32 weights only). */
  mode: 'lora' | 'full';
  adapter?: LoraAdapter;
  /** Most rows (tokens) one micro-batch holds. */
  maxTokens: number;
  /** Recompute each layer during the backward instead of keeping its activations. */
  checkpointing?: boolean;
  adamw?: Partial<AdamWConfig>;
  /** log p is taken of softmax(logits / temperature): GRPO's sampling temperature (TRL does the same); SFT 1. */
  temperature?: number;
}

export interface MicroBatchResult {
  /** Σ_t w_t · (−log p) of the batch. */
  loss: number;
  /** log p of each row's next token, rows packed as the sequences were (last row of each sequence: 0). */
  logp: Float32Array;
}

interface Workspace {
  acts: LayerActs[];
  xFinal: GPUBuffer;
  hFinal: GPUBuffer;
  rstdFinal: GPUBuffer;
  dA: GPUBuffer;
  dB: GPUBuffer;
  scratch: BackwardScratch;
}

export class Trainer {
  readonly lora: GpuLoraAdapter | undefined;
  readonly optimizer: AdamW;
  /** Full training's gradient buffers (read by gradient checks). */
  readonly full: FullGrads | undefined;
  private readonly loss: FusedLoss;
  private readonly ws: Workspace;

  constructor(
    readonly model: Decoder,
    readonly options: TrainerOptions,
  ) {
    const { device, config: c } = model;
    if (model.weights.lmHead.kind !== 'f32')
      throw new Error(
        'trainer: training needs f32 output weights (load the model with keepOutputF32, or quantization f32)',
      );
    if (options.mode === 'lora') {
      if (!options.adapter) throw new Error('trainer: LoRA training needs an adapter');
      this.lora = GpuLoraAdapter.upload(device, options.adapter);
      model.lora = this.lora;
    } else {
      this.full = createFullGrads(device, model.weights);
    }
    const trainables: TrainableBuffer[] = this.lora
      ? [this.lora.trainable()]
      : fullTrainables(model.weights, this.full!);
    this.optimizer = new AdamW(device, trainables, options.adamw);
    this.loss = new FusedLoss(device, {
      maxTokens: options.maxTokens,
      V: c.vocabSize,
      D: c.hiddenSize,
      temperature: options.temperature,
    });
    const R = options.maxTokens;
    const rank = this.lora?.rank ?? 0;
    const layerCount = options.checkpointing ? 1 : c.numLayers;
    const f = (n: number, label: string) => createStorageBuffer(device, n * 4, label);
    const acts = Array.from({ length: layerCount }, () => createLayerActs(device, c, R, rank));
    this.ws = {
      acts,
      xFinal: f(R * c.hiddenSize, 'x final'),
      hFinal: f(R * c.hiddenSize, 'h final'),
      rstdFinal: f(R, 'rstd final'),
      dA: f(R * c.hiddenSize, 'grad a'),
      dB: f(R * c.hiddenSize, 'grad b'),
      scratch: createBackwardScratch(device, c, R, rank),
    };
    // With checkpointing, each layer's input is still kept: the backward recomputes from it.
    this.layerInputs = options.checkpointing
      ? Array.from({ length: c.numLayers }, () => f(R * c.hiddenSize, 'layer input'))
      : [];
  }

  private readonly layerInputs: GPUBuffer[];

  /** `useAdapter` may also name another adapter of the same rank (GRPO's frozen reference adapter). */
  private context(useAdapter: boolean | GpuLoraAdapter): ForwardContext {
    const lora = useAdapter === true ? this.lora : useAdapter === false ? undefined : useAdapter;
    if (lora && lora.rank !== (this.lora?.rank ?? 0))
      throw new Error(
        `trainer: an adapter of rank ${lora.rank} cannot run in a rank ${this.lora?.rank ?? 0} workspace`,
      );
    return { device: this.model.device, weights: this.model.weights, lora };
  }

  /** Rows for whole sequences packed one after another; targets are each row's next token. */
  private pack(seqs: TrainSequence[]): {
    rows: ForwardRows;
    targets: GPUBuffer;
    weights: GPUBuffer;
    hostWeights: Float32Array;
    temps: GPUBuffer[];
  } {
    const R = seqs.reduce((s, q) => s + q.ids.length, 0);
    if (R > this.options.maxTokens)
      throw new Error(`trainer: ${R} tokens exceed the micro-batch size of ${this.options.maxTokens}`);
    const ids = new Uint32Array(R);
    const positions = new Uint32Array(R);
    const targets = new Uint32Array(R);
    const weights = new Float32Array(R);
    let r = 0;
    for (const q of seqs) {
      q.ids.forEach((id, t) => {
        ids[r + t] = id;
        positions[r + t] = t;
        targets[r + t] = t + 1 < q.ids.length ? q.ids[t + 1] : 0;
        weights[r + t] = t + 1 < q.ids.length ? q.weights[t] : 0;
      });
      r += q.ids.length;
    }
    const d = this.model.device;
    const temps = [ids, positions, packedKeys(seqs.map((q) => q.ids.length)), targets, weights].map((a) =>
      uploadBuffer(d, a),
    );
    return {
      rows: {
        R,
        ids: temps[0],
        positions: temps[1],
        keys: temps[2],
        maxKeys: Math.max(...seqs.map((q) => q.ids.length)),
      },
      targets: temps[3],
      weights: temps[4],
      hostWeights: weights,
      temps,
    };
  }

  private actsOf(l: number): LayerActs {
    return this.options.checkpointing ? this.ws.acts[0] : this.ws.acts[l];
  }

  /** Records the forward of every layer; layer l's output becomes layer l + 1's input. Returns the final hidden. */
  private recordForward(
    encoder: GPUCommandEncoder,
    rows: ForwardRows,
    useAdapter: boolean | GpuLoraAdapter,
  ): GPUBuffer {
    const ctx = this.context(useAdapter);
    const L = this.model.config.numLayers;
    const input = (l: number) => (this.options.checkpointing ? this.layerInputs[l] : this.ws.acts[l].xIn);
    embedRows(ctx, encoder, rows, input(0));
    for (let l = 0; l < L; l++) {
      const acts = this.actsOf(l);
      if (this.options.checkpointing)
        encoder.copyBufferToBuffer(this.layerInputs[l], 0, acts.xIn, 0, rows.R * this.model.config.hiddenSize * 4);
      layerForward(ctx, encoder, l, rows, acts, l + 1 < L ? input(l + 1) : this.ws.xFinal);
    }
    finalNorm(ctx, encoder, rows.R, this.ws.xFinal, this.ws.hFinal, this.ws.rstdFinal);
    return this.ws.hFinal;
  }

  private lossInputs(rows: ForwardRows, targets: GPUBuffer) {
    const e = this.model.weights.lmHead;
    if (e.kind !== 'f32') throw new Error('trainer: the output matrix must be f32');
    return { T: rows.R, h: this.ws.hFinal, e: e.w, targets };
  }

  /**
   * log p of every row's next token, without gradients (GRPO's reference and old policies): with the trained
   * adapter, without any (`false`), or with another adapter of the same rank.
   */
  async logprobs(seqs: TrainSequence[], useAdapter: boolean | GpuLoraAdapter = true): Promise<Float32Array> {
    const { rows, targets, temps } = this.pack(seqs);
    const encoder = this.model.device.createCommandEncoder();
    this.recordForward(encoder, rows, useAdapter);
    this.loss.forward(encoder, this.lossInputs(rows, targets));
    this.model.device.queue.submit([encoder.finish()]);
    const logp = await readF32(this.model.device, this.loss.logp, rows.R);
    for (const b of temps) b.destroy();
    return logp;
  }

  /** Records forward, loss and backward of one micro-batch, adding its gradients to the accumulated ones. */
  async microBatch(seqs: TrainSequence[]): Promise<MicroBatchResult> {
    const { device, config: c } = this.model;
    const { rows, targets, weights, hostWeights, temps } = this.pack(seqs);
    const ctx = this.context(true);
    const encoder = device.createCommandEncoder();
    this.recordForward(encoder, rows, true);
    const loss = this.lossInputs(rows, targets);
    this.loss.forward(encoder, loss);
    encoder.clearBuffer(this.ws.dA, 0, rows.R * c.hiddenSize * 4);
    const dE = this.full && (this.full.lmHead ?? this.full.embed);
    this.loss.backward(encoder, { ...loss, weights, dh: this.ws.dA, de: dE });
    rmsnormBackward(device, encoder, {
      dy: this.ws.dA,
      x: this.ws.xFinal,
      w: this.model.weights.finalNorm,
      rstd: this.ws.rstdFinal,
      dx: this.ws.dB,
      accumulate: false,
      dw: this.full?.finalNorm,
      T: rows.R,
      D: c.hiddenSize,
    });
    let [dOut, dIn] = [this.ws.dB, this.ws.dA];
    for (let l = c.numLayers - 1; l >= 0; l--) {
      const acts = this.actsOf(l);
      if (this.options.checkpointing) {
        encoder.copyBufferToBuffer(this.layerInputs[l], 0, acts.xIn, 0, rows.R * c.hiddenSize * 4);
        layerForward(ctx, encoder, l, rows, acts, this.ws.scratch.tmp);
      }
      layerBackward(ctx, encoder, l, rows, acts, dOut, dIn, this.ws.scratch, this.full?.layers[l]);
      [dOut, dIn] = [dIn, dOut];
    }
    if (this.full)
      embeddingBackward(device, encoder, {
        dh: dOut,
        tokens: rows.ids,
        dE: this.full.embed,
        T: rows.R,
        V: c.vocabSize,
        D: c.hiddenSize,
      });
    device.queue.submit([encoder.finish()]);
    const logp = await readF32(device, this.loss.logp, rows.R);
    for (const b of temps) b.destroy();
    let total = 0;
    for (let i = 0; i < rows.R; i++) total -= hostWeights[i] * logp[i];
    return { loss: total, logp };
  }

  zeroGrads(): void {
    const encoder = this.model.device.createCommandEncoder();
    this.optimizer.zeroGrads(encoder);
    this.model.device.queue.submit([encoder.finish()]);
  }

  /** One AdamW update with learning rate `lr` on the gradients accumulated since zeroGrads. */
  async step(lr: number): Promise<{ gradNorm: number }> {
    const encoder = this.model.device.createCommandEncoder();
    this.optimizer.step(encoder, lr);
    this.model.device.queue.submit([encoder.finish()]);
    return { gradNorm: await this.optimizer.gradNorm() };
  }

  destroy(): void {
    for (const a of this.ws.acts) destroyLayerActs(a);
    for (const b of [this.ws.xFinal, this.ws.hFinal, this.ws.rstdFinal, this.ws.dA, this.ws.dB, ...this.layerInputs])
      b.destroy();
    destroyBackwardScratch(this.ws.scratch);
    if (this.full) destroyFullGrads(this.full);
    this.loss.destroy();
    this.optimizer.destroy();
  }
}
