import { describe, expect, it } from 'vitest';
import { readF32, readU32, uploadBuffer } from '../../src/engine/compute.ts';
import { q4Quantize } from '../../src/engine/kernels/q4Quantize.ts';
import { q4Code, quantizeQ4 } from '../../src/engine/quant/q4.ts';
import { roundTo } from '../../src/engine/load/dtype.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

describe('q4Quantize on WebGPU', () => {
  async function gpuQuantize(device: GPUDevice, w: Float32Array, rows: number, cols: number) {
    const encoder = device.createCommandEncoder();
    const q = q4Quantize(device, encoder, uploadBuffer(device, w), rows, cols);
    device.queue.submit([encoder.finish()]);
    return {
      qweight: await readU32(device, q.qweight, (rows * cols) / 8),
      scales: await readF32(device, q.scales, (rows * cols) / 32),
    };
  }

  // Codes are decided by products, which every IEEE device rounds alike, so GPU and CPU agree bit for bit, even
  // on bf16 weights, whose w / scale often sit exactly on a rounding tie.
  for (const [name, round] of [
    ['f32', (w: Float32Array) => w],
    ['bf16-rounded', (w: Float32Array) => roundTo(w, 'bf16')],
  ] as const) {
    it(`equals the CPU quantizer bit for bit on ${name} weights, including an all-zero group`, async () => {
      const { device } = await testGpu();
      const [rows, cols] = [37, 96];
      const w = round(randomF32(rows * cols, 11));
      w.fill(0, 64, 96);
      const gpu = await gpuQuantize(device, w, rows, cols);
      const cpu = quantizeQ4(w, rows, cols);
      expect(gpu.scales[2]).toBe(0);
      expect(Array.from(gpu.scales)).toEqual(Array.from(cpu.scales));
      expect(Array.from(gpu.qweight)).toEqual(Array.from(cpu.qweight));
    });
  }

  it('rounds exact ties to even, as numpy, PyTorch and TVM do', async () => {
    const { device } = await testGpu();
    // max |w| = 7 gives scale 1 up to f32(1/7)'s rounding: 0.5 and -0.5 sit on ties.
    const w = Float32Array.from({ length: 32 }, (_, i) => [7, 0.5, -0.5, 2.5][i % 4]);
    const cpu = quantizeQ4(w, 1, 32);
    expect([1, 2, 3].map((c) => q4Code(cpu, 0, c) - 7)).toEqual([0, 0, 2]); // round(0.5), round(-0.5), round(2.5)
    expect(Array.from((await gpuQuantize(device, w, 1, 32)).qweight)).toEqual(Array.from(cpu.qweight));
  });

  it('rejects a width that is not a multiple of 32', async () => {
    const { device } = await testGpu();
    expect(() =>
      q4Quantize(device, device.createCommandEncoder(), uploadBuffer(device, new Float32Array(40)), 1, 40),
    ).toThrow(/multiple of 32/);
  });
});
