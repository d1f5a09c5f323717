// The probes behind the app's "Benchmark this GPU" at the sizes that keep a software adapter to seconds (the e2e
// test clicks the button; this calls them in Node). The device's own family runs them: forcing the gpu family
// on SwiftShader would mostly time the compiling of its workgroup-memory kernels.
import { describe, expect, it } from 'vitest';
import { runGpuBenchmark, type BenchmarkStage } from '../../src/engine/gpuBenchmark.ts';
import { kernelFamily } from '../../src/engine/kernelFamily.ts';
import { testGpu } from '../support/gpu.ts';

describe('runGpuBenchmark', () => {
  it('measures finite positive figures, stage by stage, and names the kernel family', async () => {
    const { device } = await testGpu();
    const stages: BenchmarkStage[] = [];
    const bench = await runGpuBenchmark(device, (stage) => stages.push(stage));
    expect(stages).toEqual(['fma', 'bandwidth', 'decode', 'training']);
    expect(bench.kernels).toBe(kernelFamily(device));
    for (const key of ['fma_gflops', 'membw_gbs', 'decode_tok_s', 'train_tok_s', 'probe_flops_per_token'] as const) {
      expect(Number.isFinite(bench[key]) && bench[key] > 0, `${key} = ${bench[key]}`).toBe(true);
    }
  }, 120_000);
});
