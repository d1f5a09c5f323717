import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { logitsChunk, logSumExpUpdate, type OutputMatrix } from '../../src/engine/kernels/logits.ts';
import { logSumExpRef } from '../../src/engine/reference/logits.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { dequantizeQ4 } from '../../src/engine/quant/q4.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { randomQ4, relativeError, submit, uploadQ4 } from '../support/kernels.ts';

describe('chunked logits and online log-sum-exp on WebGPU', () => {
  const [V, D, chunk] = [333, 64, 128];

  // T = 3 takes the decode GEMV for a q4 E, T = 40 the GEMM.
  for (const [kind, T] of [['f32', 3], ['f32', 40], ['q4', 3], ['q4', 40]] as const) {
    it(`matches full logits and their log-sum-exp for ${kind} E and T=${T}`, async () => {
      const { device } = await testGpu();
      const h = randomF32(T * D, 71).map((x) => 4 * x);
      const q4 = randomQ4(V, D, 72);
      const dense = kind === 'f32' ? randomF32(V * D, 72) : dequantizeQ4(q4);
      const e: OutputMatrix = kind === 'f32' ? { f32: uploadBuffer(device, dense) } : uploadQ4(device, q4);
      const hBuffer = uploadBuffer(device, h);
      const z = createStorageBuffer(device, T * chunk * 4);
      const state = createStorageBuffer(device, T * 8);
      const lse = createStorageBuffer(device, T * 4);
      const full = matmulRef(h, dense, T, V, D);
      for (let start = 0; start < V; start += chunk) {
        const rows = Math.min(chunk, V - start);
        submit(device, (enc) => {
          logitsChunk(device, enc, { h: hBuffer, e, z, T, D, start, rows });
          logSumExpUpdate(device, enc, { z, state, lse, T, C: rows, first: start === 0 });
        });
        const want = Float32Array.from({ length: T * rows }, (_, i) => full[Math.floor(i / rows) * V + start + (i % rows)]);
        expect(relativeError(await readF32(device, z, T * rows), want)).toBeLessThan(1e-5);
      }
      expect(relativeError(await readF32(device, lse, T), logSumExpRef(full, T, V))).toBeLessThan(1e-5);
    });
  }
});
