import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { logitsChunk } from '../../src/engine/kernels/logits.ts';
import type { WeightMatrix } from '../../src/engine/kernels/q4matmul.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { dequantizeQ4 } from '../../src/engine/quant/q4.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { randomQ4, submit, uploadDense, uploadQ4 } from '../support/kernels.ts';
import { relativeError } from '../support/compare.ts';

describe('chunked logits on WebGPU', () => {
  const [V, D, chunk] = [333, 64, 128];

  function outputMatrix(device: GPUDevice, kind: 'f32' | 'bf16' | 'q4'): { e: WeightMatrix; dense: Float32Array } {
    if (kind !== 'q4') {
      const { weight, stored } = uploadDense(device, randomF32(V * D, 72), kind);
      return { e: weight, dense: stored };
    }
    const q4 = randomQ4(V, D, 72);
    return { e: uploadQ4(device, q4), dense: dequantizeQ4(q4) };
  }

  // T = 3 takes the decode GEMV for a q4 E, T = 40 the GEMM.
  for (const [kind, T] of [
    ['f32', 3],
    ['f32', 40],
    ['bf16', 3],
    ['q4', 3],
    ['q4', 40],
  ] as const) {
    it(`equals full logits chunk by chunk for ${kind} E and T=${T}`, async () => {
      const { device } = await testGpu();
      const h = randomF32(T * D, 71).map((x) => 4 * x);
      const { e, dense } = outputMatrix(device, kind);
      const hBuffer = uploadBuffer(device, h);
      const z = createStorageBuffer(device, T * chunk * 4);
      const full = matmulRef(h, dense, T, V, D);
      for (let start = 0; start < V; start += chunk) {
        const rows = Math.min(chunk, V - start);
        submit(device, (enc) => logitsChunk(device, enc, { h: hBuffer, e, z, T, D, start, rows }));
        const want = Float32Array.from(
          { length: T * rows },
          (_, i) => full[Math.floor(i / rows) * V + start + (i % rows)],
        );
        expect(relativeError(await readF32(device, z, T * rows), want)).toBeLessThan(1e-5);
      }
    });
  }
});
