// The fused, vocabulary-chunked loss shared by SFT and GRPO: L = −Σ_t w_t log p(y_t), p = softmax(z / temperature)
// (GRPO scores tokens under the temperature they were sampled at, as TRL does), over hidden states
// H [T, D] (after the final norm) and the output matrix E [V, D] (f32), without ever holding [T, V] logits.
//   forward():  per chunk of `chunk` vocabulary rows, z = H E_cᵀ, then the online log-sum-exp update;
//               leaves logp [T] and lse [T] on the GPU (read logp for GRPO ratios, KL and metrics).
//   backward(): per chunk, recompute z, turn it into dz = w (softmax − onehot) using lse, then
//               dH += dz E_c and, for full training, dE_c += dzᵀ H.
// The two passes are separate calls so GRPO can read logp, compute its weights (objective.ts), then run the
// backward on the same inputs. The gradient kernel also writes dzᵀ [C, T], which makes dH = (dzᵀ)ᵀ E_c a
// weight-gradient-shaped product: the tiled linearWeightBackward kernel computes both dH and dE.
import { createStorageBuffer, dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { params } from '../kernels/params.ts';
import { linearWeightBackward } from '../kernels/linearBackward.ts';
import { matmul } from '../kernels/matmul.ts';
import { rowThreads } from '../kernelFamily.ts';
import gradCode from './lossGrad.wgsl?raw';
import lseCode from './lossLogSumExp.wgsl?raw';

export const DEFAULT_LOSS_CHUNK = 4096;

export interface FusedLossShape {
  /** Largest T a call will use (sizes the scratch buffers: 2 · maxTokens · chunk floats). */
  maxTokens: number;
  V: number;
  D: number;
  /** Vocabulary rows per chunk, a multiple of 64 (so E's chunks start on 256-byte binding offsets). */
  chunk?: number;
  /** Sampling temperature: p = softmax(z / temperature), as the policy that sampled (default 1). */
  temperature?: number;
}

export interface FusedLossInputs {
  T: number;
  h: Bindable; // [T, D]
  e: GPUBuffer; // [V, D]
  targets: Bindable; // [T] u32, each < V
}

export class FusedLoss {
  /** log p(y_t) [T], valid after forward() has run. */
  readonly logp: GPUBuffer;
  /** log Σ_v e^{z_tv} [T]. */
  readonly lse: GPUBuffer;
  readonly chunk: number;
  private readonly invT: number;
  private readonly z: GPUBuffer; // [T, chunk] logits, then dz in place
  private readonly zT: GPUBuffer; // [chunk, T] dzᵀ
  private readonly stats: GPUBuffer; // [T, 3] running max, sum, target logit

  constructor(
    private readonly device: GPUDevice,
    readonly shape: FusedLossShape,
  ) {
    this.chunk = Math.min(shape.chunk ?? DEFAULT_LOSS_CHUNK, Math.ceil(shape.V / 64) * 64);
    if (this.chunk < 64 || this.chunk % 64 !== 0)
      throw new Error(`fusedLoss: chunk must be a positive multiple of 64, got ${shape.chunk}`);
    if (!(shape.temperature === undefined || shape.temperature > 0))
      throw new Error(`fusedLoss: temperature must be positive, got ${shape.temperature}`);
    this.invT = 1 / (shape.temperature ?? 1);
    const T = shape.maxTokens;
    this.logp = createStorageBuffer(device, T * 4, 'loss logp');
    this.lse = createStorageBuffer(device, T * 4, 'loss lse');
    this.z = createStorageBuffer(device, T * this.chunk * 4, 'loss logits chunk');
    this.zT = createStorageBuffer(device, T * this.chunk * 4, 'loss dz chunk transposed');
    this.stats = createStorageBuffer(device, T * 3 * 4, 'loss running stats');
  }

  /** Records pass 1: logp and lse for every token. */
  forward(encoder: GPUCommandEncoder, a: FusedLossInputs): void {
    this.checkTokens(a.T);
    this.eachChunk((start, rows) => {
      const threads = rowThreads(this.device, rows);
      this.logits(encoder, a, start, rows);
      const dims = params(this.device, [a.T, rows, start, start === 0 ? 1 : 0, { f32: this.invT }]);
      dispatch(
        this.device,
        encoder,
        pipeline(this.device, lseCode, threads),
        [{ buffer: dims }, this.z, a.targets, this.stats, this.lse, this.logp],
        foldWorkgroups(Math.ceil(a.T / (threads.WG / threads.ROW))),
      );
    });
  }

  /** Records pass 2: dh [T, D] += ∂L/∂H and, when `de` is given, de [V, D] += ∂L/∂E. Needs forward() first. */
  backward(encoder: GPUCommandEncoder, a: FusedLossInputs & { weights: Bindable; dh: Bindable; de?: GPUBuffer }): void {
    this.checkTokens(a.T);
    const { T } = a;
    const D = this.shape.D;
    const pipe = pipeline(this.device, gradCode);
    this.eachChunk((start, rows) => {
      this.logits(encoder, a, start, rows);
      const dims = params(this.device, [T, rows, start, { f32: this.invT }]);
      dispatch(
        this.device,
        encoder,
        pipe,
        [{ buffer: dims }, this.z, a.targets, a.weights, this.lse, this.zT],
        foldWorkgroups(Math.ceil((T * rows) / 256)),
      );
      // dH [T, D] += (dzᵀ)ᵀ E_c: "dW += dyᵀ x" with dy = dzᵀ [rows, T] and x = E_c [rows, D].
      linearWeightBackward(this.device, encoder, {
        dy: this.zT,
        x: this.rowsOf(a.e, start, rows),
        dw: a.dh,
        M: rows,
        N: T,
        K: D,
      });
      if (a.de)
        linearWeightBackward(this.device, encoder, {
          dy: this.z,
          x: a.h,
          dw: this.rowsOf(a.de, start, rows),
          M: T,
          N: rows,
          K: D,
        });
    });
  }

  destroy(): void {
    for (const b of [this.logp, this.lse, this.z, this.zT, this.stats]) b.destroy();
  }

  private eachChunk(body: (start: number, rows: number) => void): void {
    for (let start = 0; start < this.shape.V; start += this.chunk)
      body(start, Math.min(this.chunk, this.shape.V - start));
  }

  /** z [T, rows] = H E[start : start + rows]ᵀ */
  private logits(encoder: GPUCommandEncoder, a: FusedLossInputs, start: number, rows: number): void {
    matmul(this.device, encoder, {
      x: a.h,
      w: this.rowsOf(a.e, start, rows),
      y: this.z,
      M: a.T,
      N: rows,
      K: this.shape.D,
    });
  }

  private rowsOf(buffer: GPUBuffer, start: number, rows: number): Bindable {
    const D = this.shape.D;
    return { buffer, offset: start * D * 4, size: rows * D * 4 };
  }

  private checkTokens(T: number): void {
    if (!Number.isInteger(T) || T < 1 || T > this.shape.maxTokens)
      throw new Error(`fusedLoss: T = ${T} outside 1..${this.shape.maxTokens}`);
  }
}
