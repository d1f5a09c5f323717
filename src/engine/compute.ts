// Small helpers every kernel wrapper uses: buffers, readback, and a pipeline cache keyed by WGSL source
// and constants, so a kernel compiles once per device.
import { kernelFamily } from './kernelFamily.ts';
import { StepPacer } from './stepPacer.ts';

export type Bindable = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

// The spec's flag values, so this module loads in Node before Dawn has installed the GPU* globals.
export const BufferUsage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
  QUERY_RESOLVE: 0x200,
} as const;
const MAP_READ_MODE = 0x1;
const STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Rounds a byte size up to WebGPU's 4-byte copy granularity. */
export function align4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

export function createStorageBuffer(device: GPUDevice, bytes: number, label?: string): GPUBuffer {
  return device.createBuffer({ size: Math.max(16, align4(bytes)), usage: STORAGE, label });
}

/** A storage buffer holding `data` (any typed array), padded to 4 bytes. */
export function uploadBuffer(device: GPUDevice, data: ArrayBufferView, label?: string): GPUBuffer {
  const buffer = device.createBuffer({
    size: Math.max(16, align4(data.byteLength)),
    usage: STORAGE,
    mappedAtCreation: true,
    label,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

const pacers = new WeakMap<GPUBuffer, StepPacer>();

/**
 * The pacer of reads from `source`: a loop reads the same buffer every step (sampled ids, a loss), so its recent
 * reads say how long the next one waits. Only the emulator family sleeps (stepPacer.ts says why).
 */
function pacerOf(device: GPUDevice, source: GPUBuffer): StepPacer {
  let pacer = pacers.get(source);
  if (!pacer) pacers.set(source, (pacer = new StepPacer(kernelFamily(device) === 'emulator')));
  return pacer;
}

/** Copies `bytes` from a GPU buffer into CPU memory (one staging buffer, one map). */
export async function readBuffer(
  device: GPUDevice,
  source: GPUBuffer,
  bytes: number,
  offset = 0,
): Promise<ArrayBuffer> {
  const size = align4(bytes);
  const staging = device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, offset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await pacerOf(device, source).read(() => staging.mapAsync(MAP_READ_MODE));
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readF32(device: GPUDevice, source: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, source, count * 4, offset));
}

export async function readU32(device: GPUDevice, source: GPUBuffer, count: number, offset = 0): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(device, source, count * 4, offset));
}

// Per device: WGSL source → override set → pipeline. A Map hashes a string key when it meets a new string object
// (~30 µs for a 8 KB kernel on SwiftShader's loaded cores, at every dispatch), so sources built from parts come
// from joinCode, which returns the same string object for the same parts.
const pipelines = new WeakMap<GPUDevice, Map<string, Map<string, GPUComputePipeline>>>();
interface JoinNode {
  joined?: string;
  next: Map<string, JoinNode>;
}
const joins: JoinNode = { next: new Map() };

/** `parts` concatenated, as the same string object every time (parts are module constants: their hashes are kept). */
export function joinCode(...parts: string[]): string {
  let node = joins;
  for (const part of parts) {
    let next = node.next.get(part);
    if (!next) node.next.set(part, (next = { next: new Map() }));
    node = next;
  }
  return (node.joined ??= parts.join(''));
}

/** Invocations per workgroup of each pipeline, read from its WGSL (the dispatch audit counts threads with it). */
const workgroupThreads = new WeakMap<GPUComputePipeline, number>();

/** The product of `entryPoint`'s @workgroup_size terms: literals, or overrides resolved from `constants` or their defaults. */
export function workgroupSize(code: string, constants: Record<string, number>, entryPoint = 'main'): number {
  const match = new RegExp(`@workgroup_size\\(([^)]*)\\)\\s*fn\\s+${entryPoint}\\b`).exec(code);
  if (!match) throw new Error(`no @workgroup_size before fn ${entryPoint}`);
  return match[1]
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '')
    .reduce((size, term) => {
      if (/^\d+u?$/.test(term)) return size * parseInt(term, 10);
      const byDefault = new RegExp(`override\\s+${term}\\s*:\\s*u32\\s*=\\s*(\\d+)u?`).exec(code);
      const value = constants[term] ?? (byDefault ? parseInt(byDefault[1], 10) : NaN);
      if (!Number.isInteger(value)) throw new Error(`@workgroup_size term ${term} has no value`);
      return size * value;
    }, 1);
}

/** A compute pipeline for `code` (entry point `main`), compiled once per device and override set. */
export function pipeline(
  device: GPUDevice,
  code: string,
  constants: Record<string, number> = {},
  entryPoint = 'main',
): GPUComputePipeline {
  let byCode = pipelines.get(device);
  if (!byCode) pipelines.set(device, (byCode = new Map()));
  let cache = byCode.get(code);
  if (!cache) byCode.set(code, (cache = new Map()));
  const key = `${entryPoint}|${JSON.stringify(constants)}`;
  let p = cache.get(key);
  if (!p) {
    const module = device.createShaderModule({ code });
    p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint, constants } });
    workgroupThreads.set(p, workgroupSize(code, constants, entryPoint));
    cache.set(key, p);
  }
  return p;
}

/** What a dispatch does, for the dispatch audit (dispatchAudit.ts): its kind and its floating-point operations. */
export interface DispatchWork {
  kind: 'product' | 'attention' | 'other';
  flops: number;
}

/** What each compute pass recorded by `dispatch` runs: its work and its invocations per workgroup. */
export const passWork = new WeakMap<GPUComputePassEncoder, DispatchWork & { workgroupThreads: number }>();

/** Records one compute pass: `pipe` with `bindings` as @group(0) @binding(0..n-1). */
export function dispatch(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipe: GPUComputePipeline,
  bindings: Bindable[],
  workgroups: [number, number?, number?],
  work: DispatchWork = { kind: 'other', flops: 0 },
): void {
  const entries = bindings.map((b, binding) => ({
    binding,
    resource: 'buffer' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b },
  }));
  const pass = encoder.beginComputePass();
  passWork.set(pass, { ...work, workgroupThreads: workgroupThreads.get(pipe) ?? 0 });
  pass.setPipeline(pipe);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries }));
  pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
  pass.end();
}

/** Splits a 1-D count of workgroups into (x, y) under the 65,535-per-dimension limit. */
export function foldWorkgroups(count: number, maxPerDim = 65535): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y];
}

const placeholders = new WeakMap<GPUDevice, GPUBuffer>();

/** A small zeroed buffer to bind where a kernel's optional input (a bias, say) is absent. */
export function placeholderBuffer(device: GPUDevice): GPUBuffer {
  let b = placeholders.get(device);
  if (!b) placeholders.set(device, (b = createStorageBuffer(device, 16, 'placeholder')));
  return b;
}

const scratches = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();

/**
 * A storage buffer of at least `bytes` for `name`, shared by every dispatch on `device` that asks for it (a
 * kernel's partial results between two passes). Passes run in order, so one buffer serves every layer of a step.
 * It only grows; a smaller one is dropped, not destroyed, since recorded commands may still use it.
 */
export function scratchBuffer(device: GPUDevice, name: string, bytes: number): GPUBuffer {
  let cache = scratches.get(device);
  if (!cache) scratches.set(device, (cache = new Map()));
  let b = cache.get(name);
  if (!b || b.size < bytes) cache.set(name, (b = createStorageBuffer(device, bytes, name)));
  return b;
}
