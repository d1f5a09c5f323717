// Causal GQA attention backward, flash style: shared part of attentionBackwardQuery.wgsl and
// attentionBackwardKeyValue.wgsl (the wrapper prepends this file to each).
// Forward (attention.wgsl): S = Q Kᵀ / √d over the key rows keys[t] = (first, count) names, P = softmax(S),
// O = P V, and the row log-sum-exp lse[h, t] saved. Backward per block of 16 queries × 16 keys: P = exp(S − lse)
// rebuilt from the saved lse (no [heads, T, T] tensor), dP = dO Vᵀ, dS = P ∘ (dP − Δ) with Δ_t = dO_t · O_t.
// Rows are sequences packed one after another (training): keys from packedKeys, row t of a sequence starting
// at s attends rows s..t, so the loops below can take their bounds from the first and last row of a block.
// Shapes: Q [T, qRowStride] with heads from column qColOffset; K, V [T, kvRowStride] from kColOffset,
// vColOffset (one fused qkv buffer or separate ones, as in the forward); dO [T, nHeads · d]; lse [nHeads, T];
// keys [T, 2] u32; d ≤ 128. The gradients dQ, dK, dV have the layout of Q, K, V. Head h reads kv head
// h / (nHeads / nKvHeads).
// Operands are staged 32 head-dim columns at a time (10 KB of workgroup memory covers d = 128, under the
// 16 KB every WebGPU device has); a thread (query row y, key x) of the 16×16 workgroup owns one score.

struct Dims {
  T: u32, nHeads: u32, nKvHeads: u32, headDim: u32, qRowStride: u32, qColOffset: u32,
  kvRowStride: u32, kColOffset: u32, vColOffset: u32, dvInDk: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> dO: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> keys: array<vec2<u32>>;

const B = 16u;   // queries and keys per block
const DC = 32u;  // head-dim columns staged per step
const ACC = 8u;  // accumulators per thread: column 16·a + lane, so d ≤ 128

const TILE_Q = 0u;
const TILE_DO = 1u;
const TILE_K = 2u;
const TILE_V = 3u;
var<workgroup> tiles: array<array<array<f32, 33>, 16>, 4>; // [operand][row][column]; 33 avoids bank conflicts
var<workgroup> probs: array<array<f32, 16>, 16>;   // P[query][key]
var<workgroup> dscores: array<array<f32, 16>, 16>; // dS[query][key] / √d
var<workgroup> rowLse: array<f32, 16>;
var<workgroup> rowDelta: array<f32, 16>;

/** Where column `col` of head `head` in row `row` lives in Q (and dQ). */
fn qIndex(row: u32, head: u32, col: u32) -> u32 {
  return row * dims.qRowStride + dims.qColOffset + head * dims.headDim + col;
}
/** Where it lives in K (dK) or V (dV), whose head columns start at `colOffset`. */
fn kvIndex(row: u32, head: u32, col: u32, colOffset: u32) -> u32 {
  return row * dims.kvRowStride + colOffset + head * dims.headDim + col;
}

fn operand(which: u32, row: u32, head: u32, col: u32) -> f32 {
  if (row >= dims.T || col >= dims.headDim) { return 0.0; }
  switch which {
    case TILE_Q: { return Q[qIndex(row, head, col)]; }
    case TILE_DO: { return dO[(row * dims.nHeads + head) * dims.headDim + col]; }
    case TILE_K: { return K[kvIndex(row, head, col, dims.kColOffset)]; }
    default: { return V[kvIndex(row, head, col, dims.vColOffset)]; }
  }
}

/** tiles[which] = rows row0.. (16) × columns c0.. (32) of one head of an operand; 2 values per thread. */
fn stage(which: u32, head: u32, row0: u32, c0: u32, tid: u32) {
  for (var i = 0u; i < 2u; i++) {
    let e = tid + i * 256u;
    let r = e / DC;
    let c = e % DC;
    tiles[which][r][c] = operand(which, row0 + r, head, c0 + c);
  }
}

fn attends(t: u32, s: u32) -> bool {
  if (t >= dims.T) { return false; }
  let span = keys[t];
  return s >= span.x && s < span.x + span.y;
}

/** Fills probs and dscores for queries q0.. of head h × keys k0.. of kv head g. Needs rowLse and rowDelta. */
fn blockScores(h: u32, g: u32, q0: u32, k0: u32, lid: vec3<u32>, tid: u32) {
  var score = 0.0;
  var dp = 0.0;
  for (var c0 = 0u; c0 < dims.headDim; c0 += DC) {
    stage(TILE_Q, h, q0, c0, tid);
    stage(TILE_DO, h, q0, c0, tid);
    stage(TILE_K, g, k0, c0, tid);
    stage(TILE_V, g, k0, c0, tid);
    workgroupBarrier();
    for (var c = 0u; c < DC; c++) {
      score += tiles[TILE_Q][lid.y][c] * tiles[TILE_K][lid.x][c];
      dp += tiles[TILE_DO][lid.y][c] * tiles[TILE_V][lid.x][c];
    }
    workgroupBarrier();
  }
  let scale = inverseSqrt(f32(dims.headDim));
  var p = 0.0;
  if (attends(q0 + lid.y, k0 + lid.x)) { p = exp(score * scale - rowLse[lid.y]); }
  probs[lid.y][lid.x] = p;
  dscores[lid.y][lid.x] = p * (dp - rowDelta[lid.y]) * scale;
  workgroupBarrier();
}
