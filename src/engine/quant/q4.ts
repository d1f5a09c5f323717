// MLC's q4 group quantization (q4f16_1 / q4f32_1, "NK" layout) on the CPU. The GPU quantizes on load with the
// same rule; this is its twin and the decoder for MLC checkpoints.
//
// A weight matrix W [rows, cols] is cut into groups of 32 consecutive elements along a row (the K axis).
//   scale = max|w| · f32(1/7) over the group,   q = clamp(round(w / scale) + 7, 0, 14) (ties to even),   w' = (q - 7) * scale
// Symmetric, no zero point; code 15 is never produced. Eight 4-bit codes share one u32: element j of the
// eight sits at bits 4j..4j+3, lowest nibble first.
//   qweight: Uint32Array [rows, cols / 8]      scales: Float32Array [rows, cols / 32]

export const Q4_GROUP = 32;
export const Q4_PER_WORD = 8;
const MAX_CODE = 7;
const ONE_SEVENTH = Math.fround(1 / MAX_CODE);

/**
 * round(w / scale) + 7 clamped to [0, 14], ties to even (numpy's, PyTorch's and TVM's rounding), decided as
 * the GPU quantizer decides it: the largest code c with (c − 7.5) · scale <= w, the product rounded to f32,
 * and a w exactly on that boundary a tie. Products round alike everywhere; GPU division need not.
 */
function roundedCode(w: number, scale: number): number {
  let c = Math.min(2 * MAX_CODE, Math.max(0, Math.floor(w / scale + MAX_CODE + 0.5)));
  const boundary = (code: number) => Math.fround((code - MAX_CODE - 0.5) * scale);
  if (c < 2 * MAX_CODE && boundary(c + 1) <= w) c++;
  if (c > 0 && boundary(c) > w) c--;
  if (c > 0 && boundary(c) === w && c % 2 === 0) c--; // c − 7 odd: the even neighbour is c − 8
  return c;
}

export interface Q4Matrix {
  qweight: Uint32Array;
  scales: Float32Array;
  rows: number;
  cols: number;
}

export function checkQ4Cols(cols: number, what = 'q4 matrix'): void {
  if (cols % Q4_GROUP !== 0) {
    throw new Error(
      `${what}: ${cols} columns is not a multiple of ${Q4_GROUP} (q4 quantizes groups of ${Q4_GROUP} along each row)`,
    );
  }
}

export function quantizeQ4(w: Float32Array, rows: number, cols: number): Q4Matrix {
  checkQ4Cols(cols);
  if (w.length !== rows * cols) throw new Error(`quantizeQ4: ${w.length} values, expected ${rows} x ${cols}`);
  const groups = cols / Q4_GROUP;
  const qweight = new Uint32Array((rows * cols) / Q4_PER_WORD);
  const scales = new Float32Array(rows * groups);
  for (let g = 0; g < rows * groups; g++) {
    const start = g * Q4_GROUP;
    let maxAbs = 0;
    for (let i = 0; i < Q4_GROUP; i++) maxAbs = Math.max(maxAbs, Math.abs(w[start + i]));
    const scale = Math.fround(maxAbs * ONE_SEVENTH);
    scales[g] = scale;
    for (let i = 0; i < Q4_GROUP; i++) {
      // An all-zero group has scale 0: every code is the offset 7, which decodes to 0.
      const code = scale === 0 ? MAX_CODE : roundedCode(w[start + i], scale);
      const index = start + i;
      qweight[index >>> 3] |= code << (4 * (index & 7));
    }
  }
  return { qweight, scales, rows, cols };
}

/** The 4-bit code of element (row, col). */
export function q4Code(m: Q4Matrix, row: number, col: number): number {
  const index = row * m.cols + col;
  return (m.qweight[index >>> 3] >>> (4 * (index & 7))) & 0xf;
}

/** Dequantizes rows [rowStart, rowStart + rowCount) (default: all) to f32. */
export function dequantizeQ4(m: Q4Matrix, rowStart = 0, rowCount = m.rows): Float32Array {
  checkQ4Cols(m.cols);
  const out = new Float32Array(rowCount * m.cols);
  const groups = m.cols / Q4_GROUP;
  for (let r = 0; r < rowCount; r++) {
    for (let c = 0; c < m.cols; c++) {
      const scale = m.scales[(rowStart + r) * groups + Math.floor(c / Q4_GROUP)];
      out[r * m.cols + c] = (q4Code(m, rowStart + r, c) - MAX_CODE) * scale;
    }
  }
  return out;
}
