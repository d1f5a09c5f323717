import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16BitsToNumber, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/engine/load/dtype.ts';

const halves = (...bits: number[]) => new Uint8Array(Uint16Array.from(bits).buffer);

describe('bf16', () => {
  it('widens by shifting into the top half', () => {
    expect(Array.from(bf16ToF32(halves(0x3f80, 0xc000, 0x0000, 0x8000, 0x7f80, 0xff80)))).toEqual([
      1,
      -2,
      0,
      -0,
      Infinity,
      -Infinity,
    ]);
    expect(bf16ToF32(halves(0x7fc0))[0]).toBeNaN();
    expect(bf16ToF32(halves(0x0001))[0]).toBe(2 ** -133); // smallest bf16 subnormal
  });
  it('rounds to nearest, ties to even', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    // 1 + 2^-8 is exactly half way between bf16 1 (even) and 1 + 2^-7: stays at 1.
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    // 1 + 3·2^-8 is half way between 1 + 2^-7 (odd) and 1 + 2^-6: goes up to the even one.
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above half: up
    expect(f32ToBf16Bits(-Infinity)).toBe(0xff80);
    expect(f32ToBf16Bits(NaN) & 0x7fc0).toBe(0x7fc0);
    expect(f32ToBf16Bits(3.4e38)).toBe(0x7f80); // rounds up past the largest bf16 to infinity
  });
});

describe('f16', () => {
  it('decodes normals, subnormals, zeros, infinities and NaN exactly', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x3555];
    const expected = [1, -2, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, 0, -0, Infinity, -Infinity, 0.333251953125];
    expect(Array.from(f16ToF32(halves(...bits)))).toEqual(expected);
    expect(f16ToF32(halves(0x7e00))[0]).toBeNaN();
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
  });
  it('decodes every one of the 65,536 patterns consistently with the encoder', () => {
    const mismatches: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const value = f16BitsToNumber(h);
      const back = f32ToF16Bits(value);
      if (Number.isNaN(value) ? (back & 0x7e00) !== 0x7e00 : back !== h) mismatches.push(h);
    }
    expect(mismatches).toEqual([]);
  });
  it('rounds to nearest, ties to even, in normal and subnormal range', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, 1 is even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, rounds to even 1 + 2^-9
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // half the smallest subnormal: ties to 0
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 subnormal steps: ties to even 2
    expect(f32ToF16Bits(2 ** -25 + 2 ** -35)).toBe(0x0001);
    expect(f32ToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the smallest normal
  });
  it('overflows to infinity and keeps NaN a NaN', () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // half way to 65536: ties to even = infinity
    expect(f32ToF16Bits(-1e10)).toBe(0xfc00);
    expect(f32ToF16Bits(1e-30)).toBe(0x0000);
    expect(f32ToF16Bits(-1e-30)).toBe(0x8000);
    expect(f32ToF16Bits(NaN) & 0x7e00).toBe(0x7e00);
  });
});
