import { describe, expect, it } from 'vitest';
import { readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { linearBiasBackward, linearWeightBackward } from '../../src/engine/kernels/linearBackward.ts';
import { biasGradRef, weightGradRef } from '../../src/engine/reference/backward/linearBackward.ts';
import { relativeError } from '../support/compare.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

describe('linear-layer gradients on WebGPU', () => {
  // Ragged shapes take the scalar path; [50, 136, 16] and [50, 16, 132] are thin (LoRA's dB [out, r] and dA [r, in])
  // on the vec4 path. Small dW over many tokens is summed in token slices (100: 2 slices; 1000: 16; 333: 6, the
  // last one short). dY and X read quads as vec4s each when its own width allows: [333, 20, 37] only dY, [500, 257,
  // 64] (a byte vocabulary's dE) only X.
  for (const [M, N, K, scale] of [
    [1, 1, 1, 1],
    [33, 45, 70, 1],
    [100, 7, 130, 0.5],
    [64, 64, 64, 1],
    [50, 136, 16, 0.25],
    [50, 16, 132, 1],
    [1000, 64, 64, 0.5],
    [333, 20, 37, 1],
    [500, 257, 64, 1],
  ] as const) {
    it(`accumulates dW += ${scale}·dyᵀx and db += Σdy for M=${M} N=${N} K=${K}`, async () => {
      const { device } = await testGpu();
      const dy = randomF32(M * N, 1);
      const x = randomF32(M * K, 2);
      // Halved so that the existing gradient cannot cancel the increment (xorshift's first draws are all ≈ −1).
      const dw0 = randomF32(N * K, 3).map((v) => v / 2);
      const db0 = randomF32(N, 4).map((v) => v / 2);
      const dw = uploadBuffer(device, dw0);
      const db = uploadBuffer(device, db0);
      const dyBuffer = uploadBuffer(device, dy);
      const encoder = device.createCommandEncoder();
      linearWeightBackward(device, encoder, { dy: dyBuffer, x: uploadBuffer(device, x), dw, M, N, K, scale });
      linearBiasBackward(device, encoder, { dy: dyBuffer, db, M, N });
      device.queue.submit([encoder.finish()]);
      const wantDw = weightGradRef(dy, x, M, N, K, scale).map((v, i) => v + dw0[i]);
      const wantDb = biasGradRef(dy, M, N).map((v, i) => v + db0[i]);
      expect(relativeError(await readF32(device, dw, N * K), wantDw)).toBeLessThan(1e-4);
      expect(relativeError(await readF32(device, db, N), wantDb)).toBeLessThan(1e-4);
    });
  }
});
