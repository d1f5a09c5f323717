// Y[M, N] = X[M, K] · B (+ bias[N]) with B an int4 weight dequantized in registers: the prefill GEMM.
// q4 layout (MLC q4f16_1 / q4f32_1): a stored matrix [R, C] is qweight [R, C/8] u32 (element j of a word at bits
// 4j..4j+3, lowest first) and scales [R, C/32] f32 (one per group of 32 along a row); w = (code − 7) · scale.
//   W_KN = false: stored [N, K] (a linear layer's [out, in]), B = Wᵀ: the forward y = x Wᵀ. K % 32 == 0.
//                 wRowBase skips that many rows, so a vocabulary chunk of a q4 embedding multiplies in place.
//   W_KN = true:  stored [K, N], B = W: the input gradient dx = dy W of a layer [out = K, in = N]. N % 32 == 0.
// Shapes: X is read as vec4 rows, so K % 8 == 0 in both cases.
//
// The blocking is matmul.wgsl's: each thread owns 8 rows × 4 groups of 4 columns in eight mat4x4
// accumulators, 8 × ROW_THREADS threads a (8 · ROW_THREADS) × 128 tile, no workgroup memory (see there for why);
// a decode batch of 8-32 rows gets a tile no taller than itself. A step covers 8 k
// (one q4 word per column): the four columns of a group give a vec4<u32> of words and a vec4 of scales, and one
// shift-mask-convert over that vec4 dequantizes a k-row of B for all four columns at once. So each word is
// loaded once per thread and feeds 8 rows × 8 k of multiply-adds.

override W_KN: bool = false;
override ROW_THREADS: u32 = 8u;

// Params, bias, Y and storeBlock come from tileStore.wgsl.
@group(0) @binding(3) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> qweight: array<u32>;
@group(0) @binding(5) var<storage, read> scales: array<f32>;

/** B[k..k+3, c..c+3] (lo) and B[k+4..k+7, c..c+3] (hi); matrix column kk is B's row k + kk. */
struct Block { lo: mat4x4<f32>, hi: mat4x4<f32> }

fn codes(words: vec4<u32>, shift: u32) -> vec4<f32> {
  return vec4<f32>((words >> vec4<u32>(shift)) & vec4<u32>(15u)) - 7.0;
}

/** NK: columns c..c+3 are rows of the stored matrix; one word of each holds k..k+7. */
fn blockNK(c: u32, k: u32) -> Block {
  let last = p.N - 1u;
  let rows = vec4<u32>(p.wRowBase) + min(vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last));
  let wordsPerRow = p.K / 8u;
  let groupsPerRow = p.K / 32u;
  let word = rows * wordsPerRow + k / 8u;
  let group = rows * groupsPerRow + k / 32u;
  let q = vec4<u32>(qweight[word.x], qweight[word.y], qweight[word.z], qweight[word.w]);
  let s = vec4<f32>(scales[group.x], scales[group.y], scales[group.z], scales[group.w]);
  return Block(
    mat4x4<f32>(codes(q, 0u) * s, codes(q, 4u) * s, codes(q, 8u) * s, codes(q, 12u) * s),
    mat4x4<f32>(codes(q, 16u) * s, codes(q, 20u) * s, codes(q, 24u) * s, codes(q, 28u) * s),
  );
}

/** KN: B's row k over columns c..c+3 is half of one word of stored row k (c % 4 == 0). */
fn rowKN(k: u32, c: u32) -> vec4<f32> {
  let col = min(c, p.N - 4u);
  let q = qweight[k * (p.N / 8u) + col / 8u];
  let shifts = vec4<u32>((col % 8u) * 4u) + vec4<u32>(0u, 4u, 8u, 12u);
  let code = vec4<f32>((vec4<u32>(q) >> shifts) & vec4<u32>(15u)) - 7.0;
  return code * scales[k * (p.N / 32u) + col / 32u];
}

fn blockKN(c: u32, k: u32) -> Block {
  return Block(
    mat4x4<f32>(rowKN(k, c), rowKN(k + 1u, c), rowKN(k + 2u, c), rowKN(k + 3u, c)),
    mat4x4<f32>(rowKN(k + 4u, c), rowKN(k + 5u, c), rowKN(k + 6u, c), rowKN(k + 7u, c)),
  );
}

fn weightBlock(c: u32, k: u32) -> Block {
  if (W_KN) { return blockKN(c, k); }
  return blockNK(c, k);
}

/** Rows' X[row, k..k+3] (lo) and X[row, k+4..k+7] (hi) as matrix columns. */
fn rowsBlock(rows: vec4<u32>, k: u32) -> Block {
  let i = (rows * p.K + vec4<u32>(k)) / 4u;
  return Block(mat4x4<f32>(X[i.x], X[i.y], X[i.z], X[i.w]), mat4x4<f32>(X[i.x + 1u], X[i.y + 1u], X[i.z + 1u], X[i.w + 1u]));
}

@compute @workgroup_size(8, ROW_THREADS)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.y * 8u * ROW_THREADS + lid.y * 8u;
  let c = wg.x * 128u + lid.x * 4u;
  let last = p.M - 1u;
  let rowsA = min(vec4<u32>(r) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(last));
  let rowsB = min(vec4<u32>(r) + vec4<u32>(4u, 5u, 6u, 7u), vec4<u32>(last));
  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>(); var acc02 = mat4x4<f32>(); var acc03 = mat4x4<f32>();
  var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>(); var acc12 = mat4x4<f32>(); var acc13 = mat4x4<f32>();
  for (var k = 0u; k < p.K; k += 8u) {
    let xa = rowsBlock(rowsA, k);
    let xb = rowsBlock(rowsB, k);
    let w0 = weightBlock(c, k);
    acc00 += w0.lo * xa.lo + w0.hi * xa.hi; acc10 += w0.lo * xb.lo + w0.hi * xb.hi;
    let w1 = weightBlock(c + 32u, k);
    acc01 += w1.lo * xa.lo + w1.hi * xa.hi; acc11 += w1.lo * xb.lo + w1.hi * xb.hi;
    let w2 = weightBlock(c + 64u, k);
    acc02 += w2.lo * xa.lo + w2.hi * xa.hi; acc12 += w2.lo * xb.lo + w2.hi * xb.hi;
    let w3 = weightBlock(c + 96u, k);
    acc03 += w3.lo * xa.lo + w3.hi * xa.hi; acc13 += w3.lo * xb.lo + w3.hi * xb.hi;
  }
  storeBlock(r, c, acc00); storeBlock(r, c + 32u, acc01); storeBlock(r, c + 64u, acc02); storeBlock(r, c + 96u, acc03);
  storeBlock(r + 4u, c, acc10); storeBlock(r + 4u, c + 32u, acc11);
  storeBlock(r + 4u, c + 64u, acc12); storeBlock(r + 4u, c + 96u, acc13);
}
