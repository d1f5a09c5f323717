// Conversions between f32 and the two 16-bit float formats checkpoints use. bf16 is the top half of an f32;
// f16 has 5 exponent bits, so converting to it needs care with rounding, subnormals, overflow and NaN.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Copies bytes into a fresh, aligned buffer (slices of a file are not aligned to 2 or 4 bytes). The copy is
 * made with the Uint8Array constructor: a Node Buffer's slice() is a view, and its .buffer the whole file.
 */
export function aligned(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

export function bf16ToF32(bytes: Uint8Array): Float32Array {
  const halves = new Uint16Array(aligned(bytes));
  const out = new Uint32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = halves[i] << 16;
  return new Float32Array(out.buffer);
}

/** The f32 value of one f16 bit pattern, written out as the IEEE definition. */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let f16Table: Float32Array | undefined;

/** f16 -> f32 through a 65,536-entry table (256 KiB, built once): exact for every pattern. */
export function f16ToF32(bytes: Uint8Array): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToNumber(h);
  }
  const halves = new Uint16Array(aligned(bytes));
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = f16Table[halves[i]];
  return out;
}

/** f32 -> bf16 bits, rounding to nearest with ties to even; NaN stays a (quiet) NaN. */
export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** f32 -> f16 bits, rounding to nearest with ties to even; overflow gives infinity, tiny values subnormals or 0. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15; // the f16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    return sign | roundShift(mantissa | 0x800000, 14 - e);
  }
  // A carry out of the mantissa correctly bumps the exponent (and reaches infinity at the top).
  return sign | roundShift((e << 23) | mantissa, 13);
}

/** value >> shift, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && kept & 1) ? kept + 1 : kept;
}

export function f32ToBf16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToBf16Bits(values[i]);
  return out;
}

export function f32ToF16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i]);
  return out;
}

/** Rounds each value to the nearest bf16 or f16 (what storing and reloading it gives). */
export function roundTo(values: Float32Array, format: 'bf16' | 'f16'): Float32Array {
  const bits = format === 'bf16' ? f32ToBf16(values) : f32ToF16(values);
  const bytes = new Uint8Array(bits.buffer);
  return format === 'bf16' ? bf16ToF32(bytes) : f16ToF32(bytes);
}
