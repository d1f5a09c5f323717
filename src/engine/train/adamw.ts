// AdamW on the GPU over a list of parameter buffers, each with its gradient buffer and the m, v state this
// class owns. Gradient accumulation: zeroGrads() once, let every micro-batch's backward add into the gradient
// buffers, then step(lr) once: it records the global gradient norm (the backward kernels' sumOfSquares) and
// the update, clipping inside the update kernel. The lr comes from a schedule (schedule.ts) per step.
import { createStorageBuffer, dispatch, foldWorkgroups, pipeline, readF32 } from '../compute.ts';
import { params } from '../kernels/params.ts';
import { sumOfSquares } from '../kernels/gradientUtils.ts';
import code from './adamw.wgsl?raw';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip gradients to this global L2 norm; 0 turns clipping off. */
  maxGradNorm: number;
}

/** Hugging Face Trainer's defaults (torch's AdamW, weight decay 0, clipping at norm 1). */
export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };

export interface TrainableBuffer {
  param: GPUBuffer;
  grad: GPUBuffer;
  /** Number of f32 values (the buffers may be longer). */
  count: number;
  /** Overrides the config's weight decay (e.g. 0 for norms and biases). */
  weightDecay?: number;
}

/** Everything a resumed run needs to continue bit-exactly. */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  /** Updates taken so far (bias correction uses step + 1 for the next one). */
  stepCount = 0;
  readonly config: AdamWConfig;
  private readonly m: GPUBuffer[];
  private readonly v: GPUBuffer[];
  private readonly sumSq: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    readonly tensors: TrainableBuffer[],
    config: Partial<AdamWConfig> = {},
  ) {
    this.config = { ...DEFAULT_ADAMW, ...config };
    this.m = tensors.map((t, i) => createStorageBuffer(device, t.count * 4, `adamw m ${i}`));
    this.v = tensors.map((t, i) => createStorageBuffer(device, t.count * 4, `adamw v ${i}`));
    this.sumSq = createStorageBuffer(device, 4, 'adamw grad sum of squares');
  }

  /** Records zeroing every gradient buffer (before the first micro-batch of a step). */
  zeroGrads(encoder: GPUCommandEncoder): void {
    for (const t of this.tensors) encoder.clearBuffer(t.grad, 0, t.count * 4);
  }

  /** Records one update with learning rate `lr` on the accumulated gradients. */
  step(encoder: GPUCommandEncoder, lr: number): void {
    const c = this.config;
    const t = ++this.stepCount;
    sumOfSquares(
      this.device,
      encoder,
      this.tensors.map((x) => ({ buffer: x.grad, count: x.count })),
      this.sumSq,
    );
    const bc1 = 1 - c.beta1 ** t;
    const bc2Sqrt = Math.sqrt(1 - c.beta2 ** t);
    const pipe = pipeline(this.device, code);
    this.tensors.forEach((x, i) => {
      const scalars = [lr, c.beta1, c.beta2, c.eps, x.weightDecay ?? c.weightDecay, bc1, bc2Sqrt, c.maxGradNorm];
      const dims = params(this.device, [x.count, c.maxGradNorm > 0 ? 1 : 0, ...scalars.map((f32) => ({ f32 }))]);
      dispatch(
        this.device,
        encoder,
        pipe,
        [{ buffer: dims }, this.sumSq, x.grad, x.param, this.m[i], this.v[i]],
        foldWorkgroups(Math.ceil(x.count / 256)),
      );
    });
  }

  /** The global gradient norm (before clipping) of the last step, once its commands have been submitted. */
  async gradNorm(): Promise<number> {
    return Math.sqrt((await readF32(this.device, this.sumSq, 1))[0]);
  }

  async saveState(): Promise<AdamWState> {
    const read = (bufs: GPUBuffer[]) => Promise.all(bufs.map((b, i) => readF32(this.device, b, this.tensors[i].count)));
    return { step: this.stepCount, m: await read(this.m), v: await read(this.v) };
  }

  loadState(state: AdamWState): void {
    if (state.m.length !== this.tensors.length || state.v.length !== this.tensors.length) {
      throw new Error(
        `adamw: state has ${state.m.length} m and ${state.v.length} v tensors for ${this.tensors.length} parameters`,
      );
    }
    this.tensors.forEach((t, i) => {
      for (const [name, data] of [
        ['m', state.m[i]],
        ['v', state.v[i]],
      ] as const) {
        if (data.length !== t.count)
          throw new Error(`adamw: state ${name}[${i}] has ${data.length} values, expected ${t.count}`);
      }
      this.device.queue.writeBuffer(this.m[i], 0, Float32Array.from(state.m[i]));
      this.device.queue.writeBuffer(this.v[i], 0, Float32Array.from(state.v[i]));
    });
    this.stepCount = state.step;
  }

  destroy(): void {
    for (const b of [...this.m, ...this.v, this.sumSq]) b.destroy();
  }
}
