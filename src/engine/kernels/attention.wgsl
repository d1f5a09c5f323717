// Causal grouped-query attention forward with an online softmax; serves prefill, chunked prefill, decode and
// the training forward through one per-row table instead of separate kernels.
// For query row r: keys[r] = (first, count) names the key/value rows it attends to, first .. first + count − 1
// of K and V (a KV cache slot's positions 0..pos, or a packed sequence's rows up to r). Head h reads kv head
// h / (nHeads / nKvHeads). o = Σ_j softmax_j(q · k_j / √d) v_j, and lse[h, r] = log Σ_j e^{q · k_j / √d}
// is saved for the backward.
// Shapes: Q [R, qRowStride] with heads from column qColOffset; K, V [rows, kvRowStride] with kv heads from
// columns kColOffset, vColOffset (K and V may be one fused qkv buffer); keys [R, 2] u32; O [R, nHeads · d];
// lse [nHeads, R]. headDim ≤ 128 and a multiple of 4.
// One thread per (row, head) walks its keys once, keeping q and the running output in registers: the running
// max m and sum l rescale o whenever m grows (flash attention's recurrence), so scores never touch memory.
// HEAD_DIM is a pipeline constant, and the wrapper unrolls the `i < QUADS` loops over the head's vec4s
// (unrollQuads.ts): SwiftShader runs loops as written and reaches an array indexed by a loop variable lane by lane
// through memory, while constant indices keep q and o in registers (twice as fast at d = 16).

override HEAD_DIM: u32 = 64u;

struct Params {
  R: u32, nHeads: u32, nKvHeads: u32, qRowStride: u32, qColOffset: u32,
  kvRowStride: u32, kColOffset: u32, vColOffset: u32, scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read_write> O: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

override QUADS: u32 = HEAD_DIM / 4u;
const NEG = -3.0e38; // a finite "minus infinity": e^{NEG − s} is 0 without inf − inf = NaN

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.y * nwg.x * 64u + gid.x;
  if (index >= p.R * p.nHeads) { return; }
  let head = index % p.nHeads;
  let r = index / p.nHeads;
  let kvHead = head / (p.nHeads / p.nKvHeads);
  let span = keys[r];
  let qBase = (r * p.qRowStride + p.qColOffset + head * HEAD_DIM) / 4u;
  var q: array<vec4<f32>, 32>;
  var o: array<vec4<f32>, 32>;
  for (var i = 0u; i < QUADS; i++) { q[i] = Q[qBase + i] * p.scale; }
  var m = NEG;
  var l = 0.0;
  for (var j = span.x; j < span.x + span.y; j++) {
    let kBase = (j * p.kvRowStride + p.kColOffset + kvHead * HEAD_DIM) / 4u;
    let vBase = (j * p.kvRowStride + p.vColOffset + kvHead * HEAD_DIM) / 4u;
    var s = 0.0;
    for (var i = 0u; i < QUADS; i++) { s += dot(q[i], K[kBase + i]); }
    let mNew = max(m, s);
    let shrink = exp(m - mNew);
    let weight = exp(s - mNew);
    l = l * shrink + weight;
    for (var i = 0u; i < QUADS; i++) { o[i] = o[i] * shrink + weight * V[vBase + i]; }
    m = mNew;
  }
  let oBase = (r * p.nHeads + head) * QUADS;
  for (var i = 0u; i < QUADS; i++) { O[oBase + i] = o[i] / l; }
  lse[head * p.R + r] = m + log(l);
}
