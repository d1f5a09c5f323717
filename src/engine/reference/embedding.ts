import { dequantizeQ4, type Q4Matrix } from '../quant/q4.ts';

/** CPU twin of the embedding kernel: rows ids[t] of an f32 table [V, D] or of a q4 table (dequantized by quant/q4.ts). */
export function embeddingRef(table: Float32Array | Q4Matrix, ids: ArrayLike<number>, D: number): Float32Array {
  const out = new Float32Array(ids.length * D);
  for (let t = 0; t < ids.length; t++) {
    const row =
      table instanceof Float32Array ? table.subarray(ids[t] * D, (ids[t] + 1) * D) : dequantizeQ4(table, ids[t], 1);
    out.set(row, t * D);
  }
  return out;
}
