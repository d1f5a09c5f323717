// Y[M, N] = scale · X[M, K] · B (+ bias[N]) (+ Y when accumulating) in f32, where B is a linear layer's weight W
// seen one of two ways:
//   W_KN = false: W [N, K] ("NK", Hugging Face's [out, in]), B = Wᵀ: the forward y = x Wᵀ.
//                 wRowBase skips that many rows of W, so a vocabulary chunk of an embedding multiplies in place.
//   W_KN = true:  W [K, N], B = W: the input gradient dx = dy W of the layer above (W [out, in] = [K, N] here).
//
// Each thread owns an 8 × 16 block of Y: rows r..r+7 and four groups of four adjacent columns c + 32j..+3.
// 8 × 8 threads make a 64 × 128 tile. For a narrower Y COLUMN_GROUPS = 1 or 2 keeps only the first groups: a
// 64 × 32 tile for a LoRA rank's few columns, 64 × 64 for a small model's hidden size, instead of computing
// clamped copies of the last column (half of every 64-column product's work). For a short Y
// (a decode step's few rows through a LoRA adapter) ROW_THREADS < 8 shrinks the tile's height the same way. The block sits in eight named mat4x4 accumulators acc{g}{j} (rows
// 4g..4g+3, column group j; matrix column i holds row 4g+i), never an array, which compilers may spill.
// Per step of four k: Xg = mat4x4(rows' k-quads), Pj = mat4x4(k-rows of B over the 4 columns of group j), and
// acc{g}{j} += Pj · Xg is 64 multiply-adds; 24 quad loads feed 512 of them.
//
// There is no workgroup-memory tiling: on SwiftShader (the CI adapter, a CPU) every per-invocation load is a
// gather whether it reads workgroup or storage memory, so staging tiles only added work (1.5-2× slower when
// measured); the 8 × 16 register block is what amortizes loads there, and on GPUs the same reuse comes from L1.
// VEC4 (K % 4 == 0, bound ranges whole vec4s) reads quads through X4/W4, vec4 views of the same buffers;
// otherwise quads are built from scalars with zeros past K. Rows and columns past M, N are clamped on load
// and masked on store, so any shape works.
//
// W_FORMAT says how W's elements are stored: 0 f32 (W, W4), or 16-bit, four to a vec2<u32> in WH (element i is
// half i % 2 of word i / 2, lowest first): 1 f16, 2 bf16. 16-bit weights are widened as they are loaded and the
// arithmetic stays f32, so a Hugging Face f16/bf16 checkpoint keeps half the memory and gives the same sums
// without shader-f16 (which SwiftShader lacks). 16-bit W needs K % 4 == 0 ("NK") or N % 4 == 0 ("KN").

override W_KN: bool = false;
override VEC4: bool = false;
override W_FORMAT: u32 = 0u;
override COLUMN_GROUPS: u32 = 4u;
override ROW_THREADS: u32 = 8u;

// Params, bias, Y and storeBlock come from tileStore.wgsl.
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read> X4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> W: array<f32>;
@group(0) @binding(6) var<storage, read> W4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> WH: array<vec2<u32>>;

/** W[i..i+3] of a 16-bit W (i % 4 == 0), widened to f32. */
fn halfQuad(i: u32) -> vec4<f32> {
  let w = WH[i / 4u];
  if (W_FORMAT == 1u) { return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)); }
  // bf16 is the top half of an f32.
  return bitcast<vec4<f32>>(vec4<u32>(w.x << 16u, w.x & 0xffff0000u, w.y << 16u, w.y & 0xffff0000u));
}

fn scalarAt(i: u32, inside: bool, fromW: bool) -> f32 {
  if (!inside) { return 0.0; }
  if (fromW) { return W[i]; }
  return X[i];
}

/** X[row, k..k+3]. */
fn xQuad(row: u32, k: u32) -> vec4<f32> {
  let i = row * p.K + k;
  if (VEC4) { return X4[i / 4u]; }
  return vec4<f32>(scalarAt(i, k < p.K, false), scalarAt(i + 1u, k + 1u < p.K, false),
                   scalarAt(i + 2u, k + 2u < p.K, false), scalarAt(i + 3u, k + 3u < p.K, false));
}

/** W[col, k..k+3] of an NK weight: B's column `col` at rows k..k+3. */
fn wColumnQuad(col: u32, k: u32) -> vec4<f32> {
  let i = (p.wRowBase + min(col, p.N - 1u)) * p.K + k;
  if (W_FORMAT != 0u) { return halfQuad(i); }
  if (VEC4) { return W4[i / 4u]; }
  return vec4<f32>(scalarAt(i, k < p.K, true), scalarAt(i + 1u, k + 1u < p.K, true),
                   scalarAt(i + 2u, k + 2u < p.K, true), scalarAt(i + 3u, k + 3u < p.K, true));
}

/** W[k, c..c+3] of a KN weight: B's row k at columns c..c+3. */
fn wRowQuad(k: u32, c: u32) -> vec4<f32> {
  if (W_FORMAT != 0u) { return select(vec4<f32>(0.0), halfQuad(k * p.N + min(c, p.N - 4u)), k < p.K); }
  if (VEC4) { return select(vec4<f32>(0.0), W4[(k * p.N + min(c, p.N - 4u)) / 4u], k < p.K); }
  let row = k * p.N;
  let last = p.N - 1u;
  return vec4<f32>(scalarAt(row + min(c, last), k < p.K, true), scalarAt(row + min(c + 1u, last), k < p.K, true),
                   scalarAt(row + min(c + 2u, last), k < p.K, true), scalarAt(row + min(c + 3u, last), k < p.K, true));
}

/** B[k..k+3, c..c+3] as a matrix whose column kk is B's row k+kk over the four columns. */
fn weightBlock(c: u32, k: u32) -> mat4x4<f32> {
  if (W_KN) { return mat4x4<f32>(wRowQuad(k, c), wRowQuad(k + 1u, c), wRowQuad(k + 2u, c), wRowQuad(k + 3u, c)); }
  return transpose(mat4x4<f32>(wColumnQuad(c, k), wColumnQuad(c + 1u, k), wColumnQuad(c + 2u, k), wColumnQuad(c + 3u, k)));
}

@compute @workgroup_size(8, ROW_THREADS)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.y * 8u * ROW_THREADS + lid.y * 8u;
  let c = wg.x * 32u * COLUMN_GROUPS + lid.x * 4u;
  let last = p.M - 1u;
  let rowsA = min(vec4<u32>(r) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last));
  let rowsB = min(vec4<u32>(r) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(last));
  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>(); var acc02 = mat4x4<f32>(); var acc03 = mat4x4<f32>();
  var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>(); var acc12 = mat4x4<f32>(); var acc13 = mat4x4<f32>();
  for (var k = 0u; k < p.K; k += 4u) {
    let xa = mat4x4<f32>(xQuad(rowsA.x, k), xQuad(rowsA.y, k), xQuad(rowsA.z, k), xQuad(rowsA.w, k));
    let xb = mat4x4<f32>(xQuad(rowsB.x, k), xQuad(rowsB.y, k), xQuad(rowsB.z, k), xQuad(rowsB.w, k));
    let w0 = weightBlock(c, k);
    acc00 += w0 * xa; acc10 += w0 * xb;
    if (COLUMN_GROUPS >= 2u) {
      let w1 = weightBlock(c + 32u, k);
      acc01 += w1 * xa; acc11 += w1 * xb;
    }
    if (COLUMN_GROUPS == 4u) {
      let w2 = weightBlock(c + 64u, k);
      acc02 += w2 * xa; acc12 += w2 * xb;
      let w3 = weightBlock(c + 96u, k);
      acc03 += w3 * xa; acc13 += w3 * xb;
    }
  }
  storeBlock(r, c, acc00); storeBlock(r + 4u, c, acc10);
  if (COLUMN_GROUPS >= 2u) { storeBlock(r, c + 32u, acc01); storeBlock(r + 4u, c + 32u, acc11); }
  if (COLUMN_GROUPS == 4u) {
    storeBlock(r, c + 64u, acc02); storeBlock(r, c + 96u, acc03);
    storeBlock(r + 4u, c + 64u, acc12); storeBlock(r + 4u, c + 96u, acc13);
  }
}
