// Kernel parameters as uniform buffers, cached per device by value: a decode step records the same shapes
// every time, so after the first step no dispatch creates a buffer. Uniform buffers are never written after
// creation, which makes sharing one between dispatches (even in one encoder) safe.
import { BufferUsage } from '../compute.ts';

const MAX_CACHED = 1024;
const caches = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();

/** A word of a params struct: a u32 count, or an f32 scalar written as its bit pattern. */
export type ParamWord = number | { f32: number };

/** A uniform buffer holding `words` (u32, or f32 where marked), shared with every dispatch that asks for the same. */
export function params(device: GPUDevice, words: readonly ParamWord[]): GPUBuffer {
  const data = new Uint32Array(Math.max(4, Math.ceil(words.length / 4) * 4));
  const view = new DataView(data.buffer);
  words.forEach((w, i) => {
    if (typeof w === 'number') {
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new Error(`kernel param ${i}: ${w} is not a u32`);
      view.setUint32(i * 4, w, true);
    } else view.setFloat32(i * 4, w.f32, true);
  });
  let cache = caches.get(device);
  if (!cache) caches.set(device, (cache = new Map()));
  const key = data.join(',');
  let buffer = cache.get(key);
  if (!buffer) {
    buffer = device.createBuffer({ size: data.byteLength, usage: BufferUsage.UNIFORM, mappedAtCreation: true });
    new Uint32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
    // Dropped, not destroyed: a dropped buffer may still be referenced by a command buffer not yet submitted.
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, buffer);
  }
  return buffer;
}
