import { describe, expect, it } from 'vitest';
import { workgroupSize } from '../../src/engine/compute.ts';
import { defaultFamily, engineWorkerName, parseKernelFamily } from '../../src/engine/kernelFamily.ts';

describe('kernel family', () => {
  it('gives CPU and fallback adapters the emulator family, every other adapter the gpu family', () => {
    expect(defaultFamily({ isSoftware: true, isFallback: false })).toBe('emulator');
    expect(defaultFamily({ isSoftware: false, isFallback: true })).toBe('emulator');
    expect(defaultFamily({ isSoftware: false, isFallback: false })).toBe('gpu');
  });

  it('reads a forced family and names the setting that holds a bad one', () => {
    expect(parseKernelFamily('gpu', 'PRIMER_KERNELS')).toBe('gpu');
    expect(parseKernelFamily('emulator', '?kernels')).toBe('emulator');
    expect(parseKernelFamily(undefined, 'PRIMER_KERNELS')).toBeUndefined();
    expect(parseKernelFamily('', 'PRIMER_KERNELS')).toBeUndefined();
    expect(() => parseKernelFamily('cuda', 'PRIMER_KERNELS')).toThrow(/PRIMER_KERNELS = "cuda".*gpu.*emulator/);
  });

  it("passes the page's ?kernels= to the engine Worker in its name", () => {
    expect(engineWorkerName('?nb=1&kernels=gpu')).toBe('primer-engine?kernels=gpu');
    expect(engineWorkerName('?nb=1')).toBe('primer-engine');
  });
});

describe('workgroupSize (the dispatch audit reads it from the WGSL)', () => {
  const code = `override WG: u32 = 64u;\noverride ROWS: u32 = 4u;\n@compute @workgroup_size(8, ROWS)\nfn main() {}\n@compute @workgroup_size(WG)\nfn other() {}`;

  it('multiplies literals and overrides, taking an override from the constants or its default', () => {
    expect(workgroupSize(code, {})).toBe(32);
    expect(workgroupSize(code, { ROWS: 2 })).toBe(16);
    expect(workgroupSize(code, {}, 'other')).toBe(64);
    expect(workgroupSize(code, { WG: 256 }, 'other')).toBe(256);
  });

  it('throws for an entry point without a workgroup size', () => {
    expect(() => workgroupSize(code, {}, 'missing')).toThrow(/fn missing/);
  });
});
