// Causal GQA attention backward: shared part of attentionBackwardQuery.wgsl and attentionBackwardKeyValue.wgsl
// (the wrapper prepends this file to each).
// Forward (attention.wgsl): s_tj = q_t · k_j / √d over the key rows keys[t] = (first, count) names,
// P = softmax(S), o_t = Σ_j P_tj v_j, and the row log-sum-exp lse[h, t] saved. The backward rebuilds each
// P_tj = exp(s_tj − lse_t) from the saved lse (no [heads, T, T] tensor), dP_tj = dO_t · v_j, and
// dS_tj = P_tj (dP_tj − Δ_t) with Δ_t = dO_t · o_t; then dQ = dS K / √d, dK = dSᵀ Q / √d, dV = Pᵀ dO.
// Rows are sequences packed one after another (training): keys from packedKeys, so row t of a sequence that
// starts at row a attends rows a..t.
// Shapes: Q [T, qRowStride] with heads from column qColOffset; K, V [T, kvRowStride] from kColOffset,
// vColOffset (one fused qkv buffer or separate ones, as in the forward); dO, O [T, nHeads · d]; lse and
// delta [nHeads, T]; keys [T, 2] u32. The gradients dQ, dK, dV have the layout of Q, K, V. Head h reads
// kv head h / (nHeads / nKvHeads). Every stride, offset and d are multiples of 4 (read as vec4), d ≤ 128.
//
// Like the forward, a thread walks its rows' partners with its own vectors in registers: the query pass owns
// (block of ROWS query rows, head) and the key/value pass (block of ROWS key rows, kv head), so every gradient
// row has one writer and no atomics or workgroup memory are needed; a block loads each partner row once for its
// ROWS rows, as loads cost SwiftShader more than the arithmetic. An earlier version staged 16 × 16 blocks in
// workgroup memory, as GPUs like; on SwiftShader its barriers made it 15× slower than the forward. The wrapper
// unrolls the `i < QUADS` loops over a head's vec4s and the `r < ROWS` loops over a block's rows
// (unrollQuads.ts), so the per-thread arrays are indexed by constants and stay in registers; row r's quads sit
// at r · 32 of a block's arrays.

override HEAD_DIM: u32 = 64u;
override QUADS: u32 = HEAD_DIM / 4u;
override ROWS: u32 = 1u; // rows per thread: 1, 2 or 4

struct Dims {
  T: u32, nHeads: u32, nKvHeads: u32, qRowStride: u32, qColOffset: u32,
  kvRowStride: u32, kColOffset: u32, vColOffset: u32, dvInDk: u32, scale: f32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dO: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> keys: array<vec2<u32>>;

/** The thread's number: the grid of 64-thread workgroups may be folded into 2-D (foldWorkgroups). */
fn threadIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.y * nwg.x * 64u + gid.x;
}

/** First quad of head `head` of row `row` in Q (and dQ). */
fn qBase(row: u32, head: u32) -> u32 {
  return (row * dims.qRowStride + dims.qColOffset + head * HEAD_DIM) / 4u;
}
/** ... in K or V (dK, dV), whose head columns start at `colOffset`. */
fn kvBase(row: u32, head: u32, colOffset: u32) -> u32 {
  return (row * dims.kvRowStride + colOffset + head * HEAD_DIM) / 4u;
}
/** ... in dO and O. */
fn oBase(row: u32, head: u32) -> u32 {
  return (row * dims.nHeads + head) * QUADS;
}
