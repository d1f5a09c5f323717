import { describe, expect, it } from 'vitest';
import { readF32, readU32, uploadBuffer } from '../../src/engine/compute.ts';
import { q4Quantize } from '../../src/engine/kernels/q4Quantize.ts';
import { q4Code, quantizeQ4 } from '../../src/engine/quant/q4.ts';
import { randomF32, testGpu } from '../support/gpu.ts';

describe('q4Quantize on WebGPU', () => {
  // GPU division is not correctly rounded (WGSL allows 2.5 ULP), so a scale may differ from the CPU's by an
  // ULP and a code may differ where w / scale + 7 sits on a rounding tie; everywhere else they are equal.
  it('matches the CPU quantizer, including all-zero groups', async () => {
    const { device } = await testGpu();
    const [rows, cols] = [37, 96];
    const w = randomF32(rows * cols, 11);
    w.fill(0, 64, 96); // one all-zero group
    const encoder = device.createCommandEncoder();
    const q = q4Quantize(device, encoder, uploadBuffer(device, w), rows, cols);
    device.queue.submit([encoder.finish()]);
    const cpu = quantizeQ4(w, rows, cols);
    const scales = await readF32(device, q.scales, cpu.scales.length);
    scales.forEach((s, i) => expect(Math.abs(s - cpu.scales[i])).toBeLessThanOrEqual(Math.abs(cpu.scales[i]) * 1e-6));
    expect(scales[2]).toBe(0);
    const gpu = { qweight: await readU32(device, q.qweight, cpu.qweight.length), scales, rows, cols };
    let mismatches = 0;
    for (let i = 0; i < rows * cols; i++) {
      const [a, b] = [q4Code(gpu, Math.floor(i / cols), i % cols), q4Code(cpu, Math.floor(i / cols), i % cols)];
      if (a === b) continue;
      mismatches++;
      const x = w[i] / cpu.scales[Math.floor(i / 32)] + 7;
      expect(Math.abs(x - Math.floor(x) - 0.5)).toBeLessThan(1e-4);
    }
    expect(mismatches).toBeLessThan(4);
  });

  it('rejects a width that is not a multiple of 32', async () => {
    const { device } = await testGpu();
    expect(() => q4Quantize(device, device.createCommandEncoder(), uploadBuffer(device, new Float32Array(40)), 1, 40)).toThrow(/multiple of 32/);
  });
});
