// The one place that obtains a WebGPU adapter and device, in the browser (navigator.gpu) and in Node
// (Dawn through the `webgpu` package). It asks for the adapter's own limits and the optional features it
// has, so large models can bind buffers past the 128 MiB default, and picks the device's kernel family.
import { defaultFamily, forcedKernelFamily, useKernels, type KernelFamily } from './kernelFamily.ts';

export interface GpuInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** True for SwiftShader and other CPU implementations: timings there say nothing about a real GPU. */
  isSoftware: boolean;
  shaderF16: boolean;
  subgroups: boolean;
  timestampQuery: boolean;
  /** The kernel family the device runs (kernelFamily.ts): chosen for the adapter, or forced. */
  kernels: KernelFamily;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBuffersPerShaderStage: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

export interface Gpu {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: GpuInfo;
}

export class WebGpuUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `WebGPU is not available: ${reason}. Use Chrome or Edge 113+ (on Linux start Chrome with ` +
        `--enable-unsafe-webgpu --enable-features=Vulkan), served over https or http://127.0.0.1.`,
    );
    this.name = 'WebGpuUnavailableError';
  }
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];
const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
] as const;

/** Holds Dawn's GPU object: dropping it lets Node exit, keeping it keeps adapters valid. */
let nodeGpu: GPU | undefined;

async function createDawn(): Promise<GPU> {
  const name = 'webgpu'; // kept out of the browser bundle
  const dawn = (await import(/* @vite-ignore */ name)) as {
    create(flags: string[]): GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  return dawn.create([]);
}

/**
 * Dawn's adapter in Node. When the system's Vulkan drivers give none (no GPU, or only Mesa's lavapipe, which
 * Dawn rejects), it retries with Chromium's SwiftShader driver: the Vulkan loader reads VK_ICD_FILENAMES
 * each time Dawn creates an instance.
 */
async function nodeAdapter(): Promise<GPUAdapter | null> {
  nodeGpu ??= await createDawn();
  const adapter = await nodeGpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter || process.env.VK_ICD_FILENAMES) return adapter;
  const fs = await import('node:fs');
  if (!fs.existsSync(SWIFTSHADER_ICD)) return null;
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  nodeGpu = await createDawn();
  return nodeGpu.requestAdapter();
}

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

export function describeAdapter(adapter: GPUAdapter): GpuInfo {
  const info = adapter.info;
  const l = adapter.limits;
  const arch = info?.architecture ?? '';
  const isSoftware = /swiftshader|llvmpipe|lavapipe/i.test(`${arch} ${info?.description ?? ''}`);
  return {
    vendor: info?.vendor || 'unknown',
    architecture: arch || 'unknown',
    description: info?.description ?? '',
    isSoftware,
    shaderF16: adapter.features.has('shader-f16'),
    subgroups: adapter.features.has('subgroups'),
    timestampQuery: adapter.features.has('timestamp-query'),
    kernels: forcedKernelFamily() ?? defaultFamily({ isSoftware, isFallback: info?.isFallbackAdapter === true }),
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  };
}

/** The adapter alone (for the GPU panel): no device is created. */
export async function requestAdapter(): Promise<GPUAdapter> {
  const browserGpu = typeof navigator !== 'undefined' && 'gpu' in navigator ? navigator.gpu : undefined;
  if (!browserGpu && !isNode()) throw new WebGpuUnavailableError('this browser has no navigator.gpu');
  const adapter = browserGpu
    ? await browserGpu.requestAdapter({ powerPreference: 'high-performance' })
    : await nodeAdapter();
  if (!adapter) throw new WebGpuUnavailableError('no GPU adapter was found (requestAdapter returned null)');
  return adapter;
}

/**
 * An adapter and a device with the adapter's own limits and every optional feature it has, running the kernel
 * family chosen for the adapter (or `options.kernels`, or the forced one).
 */
export async function requestGpu(options: { allowF16?: boolean; kernels?: KernelFamily } = {}): Promise<Gpu> {
  const adapter = await requestAdapter();
  const info = describeAdapter(adapter);
  const wanted = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const requiredFeatures = options.allowF16 === false ? wanted.filter((f) => f !== 'shader-f16') : wanted;
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  if (options.allowF16 === false) info.shaderF16 = false;
  if (options.kernels) info.kernels = options.kernels;
  useKernels(device, info.kernels);
  return { adapter, device, info };
}
