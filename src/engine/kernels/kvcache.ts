import { createStorageBuffer, dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './kvcache.wgsl?raw';

/** f32 KV cache: per layer a K and a V buffer [slots, maxPos, kvDim] (so [layers][slots][positions][kvDim]). */
export interface KvCache {
  k: GPUBuffer[];
  v: GPUBuffer[];
  slots: number;
  maxPos: number;
  kvDim: number;
  /** One slot's worth of floats: copyKvSlot stages through it (a copy may not read and write one buffer). */
  scratch: GPUBuffer;
}

export function createKvCache(
  device: GPUDevice,
  layers: number,
  slots: number,
  maxPos: number,
  kvDim: number,
): KvCache {
  checkDims('createKvCache', { layers, slots, maxPos, kvDim });
  const bytes = slots * maxPos * kvDim * 4;
  const limit = device.limits.maxStorageBufferBindingSize;
  if (bytes > limit) {
    throw new Error(
      `createKvCache: a layer's K needs ${bytes} bytes, over the binding limit ${limit}; use fewer slots or positions`,
    );
  }
  const make = (what: string) =>
    Array.from({ length: layers }, (_, l) => createStorageBuffer(device, bytes, `kv ${what} ${l}`));
  return {
    k: make('k'),
    v: make('v'),
    slots,
    maxPos,
    kvDim,
    scratch: createStorageBuffer(device, maxPos * kvDim * 4, 'kv scratch'),
  };
}

export interface WriteKvArgs {
  /** Source of K (and of V unless `vSrc` is given): [R, srcRowStride]. */
  src: Bindable;
  vSrc?: Bindable;
  /** [R, 2] u32 from cacheKeys: row r goes to cache row first + count − 1. */
  keys: Bindable;
  R: number;
  srcRowStride?: number;
  kColOffset?: number;
  vColOffset?: number;
}

/** Records the copy of R rows of new keys and values into `layer` of the cache. */
export function writeKv(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  cache: KvCache,
  layer: number,
  a: WriteKvArgs,
): void {
  checkDims('writeKv', { R: a.R });
  if (!(layer >= 0 && layer < cache.k.length))
    throw new Error(`writeKv: layer ${layer} is outside 0..${cache.k.length - 1}`);
  const stride = a.srcRowStride ?? cache.kvDim;
  const dims = params(device, [a.R, cache.kvDim, stride, a.kColOffset ?? 0, a.vColOffset ?? 0]);
  dispatch(
    device,
    encoder,
    pipeline(device, code),
    [dims, a.src, a.vSrc ?? a.src, a.keys, cache.k[layer], cache.v[layer]],
    foldWorkgroups(Math.ceil((a.R * cache.kvDim) / 64)),
  );
}

/** Records a copy of the first `positions` positions of slot `from` into slot `to`, in every layer (a GRPO group shares its prompt). */
export function copyKvSlot(
  encoder: GPUCommandEncoder,
  cache: KvCache,
  from: number,
  to: number,
  positions: number,
): void {
  for (const [name, slot] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < cache.slots)) {
      throw new Error(`copyKvSlot: ${name} slot ${slot} is outside 0..${cache.slots - 1}`);
    }
  }
  if (!(positions >= 1 && positions <= cache.maxPos))
    throw new Error(`copyKvSlot: ${positions} positions is outside 1..${cache.maxPos}`);
  const bytes = positions * cache.kvDim * 4;
  const slotBytes = cache.maxPos * cache.kvDim * 4;
  for (const b of [...cache.k, ...cache.v]) {
    encoder.copyBufferToBuffer(b, from * slotBytes, cache.scratch, 0, bytes);
    encoder.copyBufferToBuffer(cache.scratch, 0, b, to * slotBytes, bytes);
  }
}
