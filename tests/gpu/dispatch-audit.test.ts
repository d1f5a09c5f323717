import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { auditDispatches } from '../../src/engine/benchAudit.ts';
import { minThreads, recordDispatches } from '../../src/engine/dispatchAudit.ts';
import { kernelFamily } from '../../src/engine/kernelFamily.ts';
import { matmul } from '../../src/engine/kernels/matmul.ts';
import { copyVec4 } from '../../src/engine/memoryProbe.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { relativeError } from '../support/compare.ts';
import { submit } from '../support/kernels.ts';
import { buildTinyModel } from '../support/tinyModel.ts';

describe('dispatch audit', () => {
  const [M, N, K] = [20, 200, 36];

  async function recordedMatmul(execute: boolean) {
    const { device } = await testGpu();
    const x = randomF32(M * K, 3);
    const w = randomF32(N * K, 4);
    const y = createStorageBuffer(device, M * N * 4);
    const recorder = recordDispatches(device, { execute });
    try {
      submit(device, (e) => matmul(device, e, { x: uploadBuffer(device, x), w: uploadBuffer(device, w), y, M, N, K }));
    } finally {
      recorder.stop();
    }
    return { device, recorder, y: await readF32(device, y, M * N), expected: matmulRef(x, w, M, N, K) };
  }

  it('records the kind, work and threads of a dispatch the engine encodes, and runs it', async () => {
    const { recorder, y, expected } = await recordedMatmul(true);
    expect(recorder.dispatches).toHaveLength(1);
    const [d] = recorder.dispatches;
    expect(d.kind).toBe('product');
    expect(d.flops).toBe(2 * M * N * K);
    // 200 columns take two 128-column tiles of 8 × ROW_THREADS threads; 20 rows take one tile of 4 row threads.
    expect(d.threads).toBe(2 * 8 * 4);
    expect(minThreads(recorder.dispatches, (x) => x.kind === 'product')).toBe(64);
    expect(relativeError(y, expected)).toBeLessThan(1e-5);
  });

  it('encodes without running when asked, and stops recording', async () => {
    const { device, recorder, y } = await recordedMatmul(false);
    expect(recorder.dispatches).toHaveLength(1);
    expect(y.every((v) => v === 0)).toBe(true);
    submit(device, (e) => copyVec4(device, e, createStorageBuffer(device, 64), createStorageBuffer(device, 64), 4));
    expect(recorder.dispatches).toHaveLength(1);
  });
});

describe('memory-bandwidth probe', () => {
  it('copies every vec4, also past one grid stride', async () => {
    const { device } = await testGpu();
    const count = 1024 * 256 + 13; // more vec4s than the probe's 1,024 workgroups of 256 threads cover at once
    const src = randomF32(count * 4, 9);
    const dst = createStorageBuffer(device, src.byteLength);
    submit(device, (e) => copyVec4(device, e, uploadBuffer(device, src), dst, count));
    const copied = await readF32(device, dst, count * 4);
    expect(copied.findIndex((v, i) => v !== src[i])).toBe(-1);
  });
});

describe('readiness audit (benchAudit.ts) on a tiny Qwen2 model', () => {
  it('counts 8 dispatches a layer for a gpu-family decode step and spreads its products wider', async () => {
    const { device } = await testGpu();
    const config = buildTinyModel({ arch: 'qwen2', layout: 'hf', seed: 1 }).config;
    const shape = { cachedPositions: 100, trainBatch: { sequences: 2, tokens: 16 } };
    const [gpu, emulator] = await auditDispatches(device, config, ['gpu', 'emulator'], shape);
    expect(gpu.family).toBe('gpu');
    // rmsnorm, qkv, attention (2 passes), o, rmsnorm, gate_up, down; then embedding, final norm, logits, sampling.
    expect(gpu.decodeDispatchesPerToken).toBe(8 * config.numLayers + 4);
    expect(gpu.decodeDispatchesPerToken).toBeLessThanOrEqual(gpu.decodeDispatchBudget);
    expect(emulator.decodeDispatchesPerToken).toBe(16 * config.numLayers + 4);
    expect(gpu.decodeMinThreads).toBeGreaterThan(emulator.decodeMinThreads);
    expect(gpu.trainMinThreads).toBeGreaterThan(0);
    expect(kernelFamily(device)).toBe('emulator'); // the device's own family is put back
  });
});
