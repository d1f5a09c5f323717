// Which kernels a device runs. The emulator family (SwiftShader and other CPU adapters) keeps tiles in
// registers and avoids workgroup memory and barriers, which a CPU pays dearly for; the gpu family spreads a
// product or an attention over thousands of threads with workgroup-memory tiles and split-K reductions, which
// real GPUs reward. gpu.ts picks one when it creates a device; PRIMER_KERNELS (Node) or ?kernels= (the app)
// forces either, so both families run and are tested on any adapter.

export type KernelFamily = 'gpu' | 'emulator';

export interface KernelSettings {
  family: KernelFamily;
  /** gpu family: reduce partial sums with subgroupAdd (the device has `subgroups`), else through workgroup memory. */
  subgroups: boolean;
}

const settings = new WeakMap<GPUDevice, KernelSettings>();

/** The kernels `device` runs: what gpu.ts chose, or the emulator family for a device it did not create. */
export function kernelSettings(device: GPUDevice): KernelSettings {
  return settings.get(device) ?? { family: 'emulator', subgroups: false };
}

export function kernelFamily(device: GPUDevice): KernelFamily {
  return kernelSettings(device).family;
}

/**
 * Sets the family of `device` (the subgroup reduction only where the device has the feature and `subgroups`
 * is not false): gpu.ts calls it once, tests call it to run both families on one device.
 */
export function useKernels(device: GPUDevice, family: KernelFamily, options: { subgroups?: boolean } = {}): void {
  const subgroups = family === 'gpu' && options.subgroups !== false && device.features.has('subgroups');
  settings.set(device, { family, subgroups });
}

/** A forced family from PRIMER_KERNELS or ?kernels=, checked: anything else than gpu or emulator is an error. */
export function parseKernelFamily(value: string | null | undefined, where: string): KernelFamily | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'gpu' || value === 'emulator') return value;
  throw new Error(`${where} = "${value}": the kernel family must be "gpu" or "emulator"`);
}

/**
 * Threads for a kernel that reduces rows of `length` values (RMSNorm's backward, the loss's log-sum-exp): ROW per
 * row and WG per workgroup, WG / ROW rows each. The gpu family's ROW is the power of two that covers the row, at
 * most 256, so a short row leaves no thread idle at the barriers; the emulator family walks a row with one thread,
 * 64 rows to a workgroup, with no barrier at all.
 */
export function rowThreads(device: GPUDevice, length: number): { WG: number; ROW: number } {
  if (kernelFamily(device) === 'emulator') return { WG: 64, ROW: 1 };
  return { WG: 256, ROW: Math.min(256, 2 ** Math.ceil(Math.log2(length))) };
}

/** The family an adapter gets unless forced: CPU implementations (and fallback adapters) the emulator's. */
export function defaultFamily(adapter: { isSoftware: boolean; isFallback: boolean }): KernelFamily {
  return adapter.isSoftware || adapter.isFallback ? 'emulator' : 'gpu';
}

/**
 * The family forced for this process or page: PRIMER_KERNELS in Node; in the browser ?kernels= of the page, which
 * the engine Worker gets in its name (engineWorkerName), since a Worker's own location is its script's.
 */
export function forcedKernelFamily(): KernelFamily | undefined {
  if (typeof process !== 'undefined' && process.env?.PRIMER_KERNELS !== undefined)
    return parseKernelFamily(process.env.PRIMER_KERNELS, 'PRIMER_KERNELS');
  const scope = globalThis as { location?: { search?: string }; name?: unknown };
  const search = scope.location?.search || (typeof scope.name === 'string' ? scope.name.split('?')[1] : '');
  return parseKernelFamily(new URLSearchParams(search ?? '').get('kernels'), '?kernels');
}

/** The engine Worker's name, carrying the page's ?kernels= (forcedKernelFamily reads it back inside the Worker). */
export function engineWorkerName(pageSearch: string): string {
  const kernels = new URLSearchParams(pageSearch).get('kernels');
  return kernels ? `primer-engine?kernels=${encodeURIComponent(kernels)}` : 'primer-engine';
}
