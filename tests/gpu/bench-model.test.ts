// What `primer bench` builds its figures from: the allocation tracker, the memory of a zero-weight q4 model
// through the real uploader and generateIds, and the generation timer.
import { describe, expect, it } from 'vitest';
import { measureInferenceMemory, timeGeneration } from '../../src/engine/benchModel.ts';
import { BufferUsage } from '../../src/engine/compute.ts';
import { trackAllocations } from '../../src/engine/memory.ts';
import { estimateGpuBytes, findModel } from '../../src/engine/model/catalog.ts';
import type { ModelConfig } from '../../src/engine/model/config.ts';
import { testGpu } from '../support/gpu.ts';
import { tinyDecoder } from '../support/tinyDecoder.ts';

describe('allocation tracking', () => {
  it('counts live and peak bytes until stopped, each destroyed buffer once', async () => {
    const { device } = await testGpu();
    const tracker = trackAllocations(device);
    const make = (size: number) => device.createBuffer({ size, usage: BufferUsage.STORAGE });
    const [a, b] = [make(1024), make(4096)];
    a.destroy();
    a.destroy();
    const c = make(256);
    expect({ live: tracker.live, peak: tracker.peak, buffers: tracker.buffers }).toEqual({
      live: 4352,
      peak: 5120,
      buffers: 3,
    });
    tracker.stop();
    const untracked = make(64);
    b.destroy();
    expect({ live: tracker.live, buffers: tracker.buffers }).toEqual({ live: 256, buffers: 3 });
    for (const buffer of [c, untracked]) buffer.destroy();
  });
});

describe('inference memory of a zero-weight model', () => {
  for (const format of ['q4', 'bf16'] as const) {
    it(`holds the ${format} weights the catalog counts, plus the KV cache, plus a little scratch`, async () => {
      const { device } = await testGpu();
      const qwen = findModel('Qwen/Qwen2.5-0.5B-Instruct').config;
      // Qwen2.5's field set at a tenth of the size (the bench measures the real one).
      const config: ModelConfig = {
        ...qwen,
        vocabSize: 4096,
        hiddenSize: 128,
        intermediateSize: 512,
        numLayers: 3,
        numHeads: 4,
        numKvHeads: 2,
        headDim: 32,
      };
      const positions = 256;
      const memory = await measureInferenceMemory(device, config, positions, format);
      const estimate = estimateGpuBytes(config, {
        quant: format === 'q4' ? 'q4' : 'f16',
        contextTokens: positions,
        sequences: 1,
      });
      // + RoPE's inverse frequencies, + the q4 layers' stacked [q; k; v] bias, a copy the fused decode reads
      const qkvBias =
        format === 'q4' ? config.numLayers * (config.numHeads + 2 * config.numKvHeads) * config.headDim * 4 : 0;
      expect(memory.weightBytes).toBe(estimate.weights + (config.headDim / 2) * 4 + qkvBias);
      const kvCache = estimate.kvCache + positions * config.numKvHeads * config.headDim * 4; // + copyKvSlot's staging slot
      expect(memory.peakBytes).toBeGreaterThan(estimate.weights + kvCache);
      expect(memory.peakBytes).toBeLessThan(estimate.total);
    });
  }
});

describe('generation timing', () => {
  it('gives positive prefill and decode rates and leaves the eos ids as they were', async () => {
    const model = await tinyDecoder({ arch: 'llama' }, 'q4');
    const eos = [...model.config.eosTokenIds];
    const timing = await timeGeneration(model, 4, 8, 3, 2);
    expect(timing.prefillTokS).toBeGreaterThan(0);
    expect(timing.decodeTokS).toBeGreaterThan(0);
    expect(Number.isFinite(timing.decodeTokS)).toBe(true);
    expect(model.config.eosTokenIds).toEqual(eos);
    model.destroy();
  });
});
