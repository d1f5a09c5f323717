// The probes behind the app's "Benchmark this GPU" at the sizes that keep a software adapter to seconds: the e2e
// test clicks the button (the emulator family SwiftShader gets); this runs them in Node with the gpu family forced.
import { afterAll, describe, expect, it } from 'vitest';
import { runGpuBenchmark, type BenchmarkStage } from '../../src/engine/gpuBenchmark.ts';
import { useKernels } from '../../src/engine/kernelFamily.ts';
import { testGpu } from '../support/gpu.ts';

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

describe('runGpuBenchmark', () => {
  it('measures finite positive figures, stage by stage, on the gpu kernel family', async () => {
    const { device } = await testGpu();
    useKernels(device, 'gpu');
    const stages: BenchmarkStage[] = [];
    const bench = await runGpuBenchmark(device, (stage) => stages.push(stage));
    expect(stages).toEqual(['fma', 'bandwidth', 'decode', 'training']);
    expect(bench.kernels).toBe('gpu');
    for (const key of ['fma_gflops', 'membw_gbs', 'decode_tok_s', 'train_tok_s', 'probe_flops_per_token'] as const) {
      expect(Number.isFinite(bench[key]) && bench[key] > 0, `${key} = ${bench[key]}`).toBe(true);
    }
  }, 120_000);
});
