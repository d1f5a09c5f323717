import { describe, expect, it } from 'vitest';
import { dequantizeQ4, q4Code, quantizeQ4 } from '../../src/engine/quant/q4.ts';
import { seededNormal } from '../support/tinyModel.ts';

describe('q4 (MLC q4f*_1 layout)', () => {
  it('packs element j of each word at bits 4j..4j+3, lowest first', () => {
    // One group whose max is 7, so scale = 1 and code = w + 7 exactly.
    const w = Float32Array.from({ length: 32 }, (_, i) => (i % 15) - 7);
    const q = quantizeQ4(w, 1, 32);
    expect(Array.from(q.scales)).toEqual([1]);
    expect(q.qweight.length).toBe(4);
    // Elements 0..7 have codes 0..7: nibble j holds j.
    expect(q.qweight[0]).toBe(0x76543210);
    // Elements 8..15 have codes 8..14, 0 (element 15 is 15 % 15 - 7 = -7).
    expect(q.qweight[1]).toBe(0x0edcba98);
    expect(q4Code(q, 0, 9)).toBe(9);
    expect(Array.from(dequantizeQ4(q))).toEqual(Array.from(w));
  });

  it('uses scale = max|w| / 7 per group of 32 and never produces code 15', () => {
    const w = new Float32Array(64);
    w[3] = -3.5; // group 0 max
    w[5] = 1.0;
    w[40] = 14; // group 1 max
    w[41] = -13.9;
    const q = quantizeQ4(w, 1, 64);
    expect(Array.from(q.scales)).toEqual([0.5, 2]);
    expect([q4Code(q, 0, 3), q4Code(q, 0, 5), q4Code(q, 0, 0)]).toEqual([0, 9, 7]);
    expect([q4Code(q, 0, 40), q4Code(q, 0, 41)]).toEqual([14, 0]);
    const codes = Array.from({ length: 64 }, (_, c) => q4Code(q, 0, c));
    expect(Math.max(...codes)).toBeLessThanOrEqual(14);
  });

  it('round trips within half a step (scale / 2) per element', () => {
    const normal = seededNormal(7);
    const rows = 8;
    const cols = 96;
    const w = Float32Array.from({ length: rows * cols }, () => normal() * 0.05);
    const q = quantizeQ4(w, rows, cols);
    const back = dequantizeQ4(q);
    let worst = 0;
    for (let i = 0; i < w.length; i++) {
      const scale = q.scales[Math.floor(i / 32)];
      worst = Math.max(worst, Math.abs(back[i] - w[i]) / scale);
    }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(worst).toBeGreaterThan(0.1); // the test data does exercise rounding
    // A row range dequantizes the same values as the whole matrix.
    expect(Array.from(dequantizeQ4(q, 3, 2))).toEqual(Array.from(back.subarray(3 * cols, 5 * cols)));
  });

  it('maps an all-zero group to code 7 and back to zeros', () => {
    const q = quantizeQ4(new Float32Array(32), 1, 32);
    expect(q.scales[0]).toBe(0);
    expect(q.qweight[0]).toBe(0x77777777);
    expect(Array.from(dequantizeQ4(q)).every((v) => v === 0)).toBe(true);
  });

  it('requires columns in multiples of 32', () => {
    expect(() => quantizeQ4(new Float32Array(40), 1, 40)).toThrow(/40 columns is not a multiple of 32/);
  });
});
