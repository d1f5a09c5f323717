// A loaded language model ready for inference: weights on the GPU, the tokenizer, and an optional LoRA
// adapter. `logits` runs a whole sequence (the `primer logits` contract); generation (generate.ts) drives
// prefill and batched decode through `forwardRows`.
import { createStorageBuffer, readF32, uploadBuffer } from '../compute.ts';
import { packedKeys } from '../kernels/attention.ts';
import { logitsChunk } from '../kernels/logits.ts';
import type { GpuLoraAdapter } from '../lora/gpuAdapter.ts';
import type { Tokenizer } from '../tokenizer.ts';
import { createLayerActs, destroyLayerActs, type LayerActs } from './activations.ts';
import type { ModelConfig } from './config.ts';
import { embedRows, finalNorm, layerForward, type ForwardContext, type ForwardRows } from './forward.ts';
import { destroyWeights, weightMatrix, type GpuWeights } from './gpuWeights.ts';

/** Vocabulary rows per logits chunk when a whole [T, V] would not fit one binding. */
const LOGITS_CHUNK = 16384;

export class Decoder {
  lora: GpuLoraAdapter | undefined;
  private scratch: { rows: number; rank: number; acts: LayerActs; h: GPUBuffer; rstd: GPUBuffer } | undefined;

  constructor(
    readonly device: GPUDevice,
    readonly weights: GpuWeights,
    readonly tokenizer: Tokenizer,
    readonly name: string,
  ) {}

  get config(): ModelConfig {
    return this.weights.config;
  }

  private context(useAdapter: boolean): ForwardContext {
    return { device: this.device, weights: this.weights, lora: useAdapter ? this.lora : undefined };
  }

  /** Shared inference buffers for up to `rows` rows, grown on demand (and remade when the adapter's rank changes). */
  private buffers(rows: number) {
    const rank = this.lora?.rank ?? 0;
    if (!this.scratch || this.scratch.rows < rows || this.scratch.rank !== rank) {
      const size = Math.max(rows, this.scratch?.rows ?? 0);
      if (this.scratch) {
        destroyLayerActs(this.scratch.acts);
        this.scratch.h.destroy();
        this.scratch.rstd.destroy();
      }
      const c = this.config;
      this.scratch = {
        rows: size,
        rank,
        acts: createLayerActs(this.device, c, size, rank),
        h: createStorageBuffer(this.device, size * c.hiddenSize * 4, 'final hidden'),
        rstd: createStorageBuffer(this.device, size * 4, 'final rstd'),
      };
    }
    return this.scratch;
  }

  /**
   * Records the forward of `rows` and returns the buffer holding their final hidden states [R, D] (valid until
   * the next call). With an adapter attached, `useAdapter = false` runs the base model (GRPO's reference).
   */
  forwardRows(encoder: GPUCommandEncoder, rows: ForwardRows, useAdapter = true): GPUBuffer {
    const ctx = this.context(useAdapter);
    const { acts, h, rstd } = this.buffers(rows.R);
    embedRows(ctx, encoder, rows, acts.xIn);
    for (let l = 0; l < this.config.numLayers; l++) layerForward(ctx, encoder, l, rows, acts, acts.xIn);
    finalNorm(ctx, encoder, rows.R, acts.xIn, h, rstd);
    return h;
  }

  /** Records z [R, V] = H Eᵀ for hidden states already on the GPU. */
  recordLogits(
    encoder: GPUCommandEncoder,
    h: GPUBuffer,
    z: GPUBuffer,
    R: number,
    start = 0,
    rows = this.config.vocabSize,
  ): void {
    logitsChunk(this.device, encoder, {
      h,
      e: weightMatrix(this.weights.lmHead),
      z,
      T: R,
      D: this.config.hiddenSize,
      start,
      rows,
    });
  }

  /** Logits [ids.length, V] of one sequence (little-endian f32, row-major). */
  async logits(ids: readonly number[], useAdapter = true): Promise<Float32Array> {
    const c = this.config;
    const T = ids.length;
    if (T < 1) throw new Error('logits: no token ids');
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= c.vocabSize);
    if (bad !== undefined) throw new Error(`logits: token id ${bad} is outside the vocabulary 0..${c.vocabSize - 1}`);
    const rows: ForwardRows = {
      R: T,
      ids: uploadBuffer(this.device, Uint32Array.from(ids)),
      positions: uploadBuffer(
        this.device,
        Uint32Array.from(ids, (_, i) => i),
      ),
      keys: uploadBuffer(this.device, packedKeys([T])),
      maxKeys: T,
    };
    const encoder = this.device.createCommandEncoder();
    const h = this.forwardRows(encoder, rows, useAdapter);
    this.device.queue.submit([encoder.finish()]);
    const out = new Float32Array(T * c.vocabSize);
    const chunk = Math.min(c.vocabSize, LOGITS_CHUNK);
    const z = createStorageBuffer(this.device, T * chunk * 4, 'logits chunk');
    for (let start = 0; start < c.vocabSize; start += chunk) {
      const n = Math.min(chunk, c.vocabSize - start);
      const enc = this.device.createCommandEncoder();
      this.recordLogits(enc, h, z, T, start, n);
      this.device.queue.submit([enc.finish()]);
      const part = await readF32(this.device, z, T * n);
      for (let t = 0; t < T; t++) out.set(part.subarray(t * n, (t + 1) * n), t * c.vocabSize + start);
    }
    for (const b of [rows.ids, rows.positions, rows.keys, z]) b.destroy();
    return out;
  }

  destroy(): void {
    if (this.scratch) {
      destroyLayerActs(this.scratch.acts);
      this.scratch.h.destroy();
      this.scratch.rstd.destroy();
    }
    this.lora?.destroy();
    destroyWeights(this.weights);
  }
}
