// A LoRA adapter on the GPU. All A and B matrices live in one flat parameter buffer (and their gradients in one
// flat gradient buffer of the same layout), so the optimizer and the gradient-norm reduction are one dispatch
// each. Every tensor starts on a 256-byte boundary, WebGPU's storage-binding offset alignment; the gaps stay 0.
// `enabled = false` turns every adapted projection back into the base one: that is GRPO's reference policy,
// with no second copy of the weights.
import { createStorageBuffer, readF32, type Bindable } from '../compute.ts';
import { loraScale, type LoraTarget } from './config.ts';
import type { TrainableBuffer } from '../train/adamw.ts';
import { sortModules, type LoraAdapter, type LoraModule } from './adapter.ts';
import { loraBackward, loraForward } from './kernels.ts';

const ALIGN_FLOATS = 64;

interface Slot {
  module: Omit<LoraModule, 'a' | 'b'>;
  a: number; // float offset of A in the flat buffers
  b: number;
}

/** Float offsets of each module's A and B in the flat buffers, and the total length. */
export function loraLayout(adapter: Pick<LoraAdapter, 'config' | 'modules'>): { slots: Slot[]; floats: number } {
  const r = adapter.config.rank;
  let floats = 0;
  const take = (n: number) => {
    const at = floats;
    floats += Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;
    return at;
  };
  const slots = adapter.modules.map(({ layer, target, inFeatures, outFeatures }) => ({
    module: { layer, target, inFeatures, outFeatures },
    a: take(r * inFeatures),
    b: take(outFeatures * r),
  }));
  return { slots, floats };
}

export interface LoraCall {
  T: number;
  x: Bindable; // [T, in]
  u: Bindable; // [T, r], written by forward, read by backward
}

export class GpuLoraAdapter {
  enabled = true;
  readonly rank: number;
  readonly scale: number;
  /** Number of floats in `params` and `grads` (padding included). */
  readonly floats: number;
  private readonly slots = new Map<string, Slot>();

  private constructor(
    private readonly device: GPUDevice,
    readonly config: LoraAdapter['config'],
    readonly params: GPUBuffer,
    readonly grads: GPUBuffer,
    layout: ReturnType<typeof loraLayout>,
  ) {
    this.rank = config.rank;
    this.scale = loraScale(config);
    this.floats = layout.floats;
    for (const slot of layout.slots) this.slots.set(key(slot.module.layer, slot.module.target), slot);
  }

  /** Uploads `adapter` (modules in canonical order, so the layout matches saved optimizer state); grads start at 0. */
  static upload(device: GPUDevice, adapter: LoraAdapter): GpuLoraAdapter {
    const modules = sortModules(adapter.modules);
    const layout = loraLayout({ config: adapter.config, modules });
    const flat = new Float32Array(layout.floats);
    layout.slots.forEach((slot, i) => {
      flat.set(modules[i].a, slot.a);
      flat.set(modules[i].b, slot.b);
    });
    const params = createStorageBuffer(device, flat.byteLength, 'lora params');
    device.queue.writeBuffer(params, 0, flat);
    const grads = createStorageBuffer(device, flat.byteLength, 'lora grads');
    return new GpuLoraAdapter(device, adapter.config, params, grads, layout);
  }

  /** The flat parameter and gradient buffers, as AdamW takes them. */
  trainable(): TrainableBuffer {
    return { param: this.params, grad: this.grads, count: this.floats };
  }

  /** Whether a call for this projection does anything (adapter on and the projection adapted). */
  active(layer: number, target: LoraTarget): boolean {
    return this.enabled && this.slots.has(key(layer, target));
  }

  /** y [T, out] += s · (x Aᵀ) Bᵀ, keeping u. No-op when inactive. */
  forward(encoder: GPUCommandEncoder, layer: number, target: LoraTarget, call: LoraCall & { y: Bindable }): void {
    const slot = this.activeSlot(layer, target);
    if (!slot) return;
    loraForward(this.device, encoder, {
      ...this.shape(slot, call.T),
      x: call.x,
      u: call.u,
      y: call.y,
      ...this.views(this.params, slot),
    });
  }

  /** dx += du A and the adapter's gradients (accumulated into `grads`). `du` is [T, r] scratch. No-op when inactive. */
  backward(
    encoder: GPUCommandEncoder,
    layer: number,
    target: LoraTarget,
    call: LoraCall & { dy: Bindable; du: Bindable; dx: Bindable },
  ): void {
    const slot = this.activeSlot(layer, target);
    if (!slot) return;
    const g = this.views(this.grads, slot);
    loraBackward(this.device, encoder, {
      ...this.shape(slot, call.T),
      ...this.views(this.params, slot),
      x: call.x,
      dy: call.dy,
      u: call.u,
      du: call.du,
      dx: call.dx,
      da: g.a,
      db: g.b,
    });
  }

  /** Reads the parameters (or, with `which = 'grads'`, the gradients) back as a CPU adapter. */
  async download(which: 'params' | 'grads' = 'params'): Promise<LoraAdapter> {
    const flat = await readF32(this.device, which === 'params' ? this.params : this.grads, this.floats);
    const r = this.rank;
    const modules = [...this.slots.values()].map(({ module, a, b }) => ({
      ...module,
      a: flat.slice(a, a + r * module.inFeatures),
      b: flat.slice(b, b + module.outFeatures * r),
    }));
    return { config: this.config, modules };
  }

  destroy(): void {
    this.params.destroy();
    this.grads.destroy();
  }

  private activeSlot(layer: number, target: LoraTarget): Slot | undefined {
    return this.enabled ? this.slots.get(key(layer, target)) : undefined;
  }

  private shape(slot: Slot, T: number) {
    return {
      T,
      inFeatures: slot.module.inFeatures,
      outFeatures: slot.module.outFeatures,
      rank: this.rank,
      scale: this.scale,
    };
  }

  private views(buffer: GPUBuffer, slot: Slot): { a: Bindable; b: Bindable } {
    const r = this.rank;
    return {
      a: { buffer, offset: slot.a * 4, size: r * slot.module.inFeatures * 4 },
      b: { buffer, offset: slot.b * 4, size: slot.module.outFeatures * r * 4 },
    };
  }
}

function key(layer: number, target: LoraTarget): string {
  return `${layer}.${target}`;
}
