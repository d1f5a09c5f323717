// Causal grouped-query attention forward with an online softmax; serves prefill, chunked prefill, decode and
// the training forward through one per-row table instead of separate kernels.
// For query row r: keys[r] = (first, count) names the key/value rows it attends to, first .. first + count − 1
// of K and V (a KV cache slot's positions 0..pos, or a packed sequence's rows up to r). Head h reads kv head
// h / (nHeads / nKvHeads). o = Σ_j softmax_j(q · k_j / √d) v_j, and lse[h, r] = log Σ_j e^{q · k_j / √d}
// is saved for the backward.
// Shapes: Q [R, qRowStride] with heads from column qColOffset; K, V [rows, kvRowStride] with kv heads from
// columns kColOffset, vColOffset (K and V may be one fused qkv buffer); keys [R, 2] u32; O [R, nHeads · d];
// lse [nHeads, R]. headDim ≤ 128 and a multiple of 4.
// One thread per (block of ROWS consecutive rows, head) walks the union of its rows' key spans once, keeping
// their q and running outputs in registers: the running max m and sum l rescale o whenever m grows (flash
// attention's recurrence), so scores never touch memory. Each key's k and v are loaded once for all ROWS rows:
// on SwiftShader those loads (lane by lane, bounds-checked) cost more than the arithmetic, and 4 rows a thread
// run 1.7× (d = 16) to 2.3× (d = 32) faster than one (emulatorBlockRows picks ROWS by head size). A row leaves out the keys outside its own span (a causal
// row's later keys, a neighbouring sequence's) by selects, not branches; keys no row attends are skipped. Rows
// of a decode step sit in different cache slots, so their wrapper takes ROWS = 1.
// HEAD_DIM and ROWS are pipeline constants, and the wrapper unrolls the `i < QUADS` and `r < ROWS` loops
// (unrollQuads.ts): SwiftShader runs loops as written and reaches an array indexed by a loop variable lane by lane
// through memory, while constant indices keep q, o, k and v in registers. Row r's quads sit at r · 32 of q and o.

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
override ROWS: u32 = 1u; // rows per thread: 1, 2 or 4
const NEG = -3.0e38; // a finite "minus infinity": e^{NEG − s} is 0 without inf − inf = NaN

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.y * nwg.x * 64u + gid.x;
  if (index >= (p.R + ROWS - 1u) / ROWS * p.nHeads) { return; }
  let head = index % p.nHeads;
  let first = index / p.nHeads * ROWS;
  let kvHead = head / (p.nHeads / p.nKvHeads);
  var q: array<vec4<f32>, 128>;
  var o: array<vec4<f32>, 128>;
  var kj: array<vec4<f32>, 32>;
  var vj: array<vec4<f32>, 32>;
  var lo: array<u32, 4>;
  var hi: array<u32, 4>;
  var m = array<f32, 4>(NEG, NEG, NEG, NEG);
  var l: array<f32, 4>;
  var start = 0xffffffffu;
  var end = 0u;
  for (var r = 0u; r < ROWS; r++) {
    let row = min(first + r, p.R - 1u); // a row past R repeats the last one and is not stored
    let span = keys[row];
    lo[r] = span.x;
    hi[r] = span.x + span.y;
    start = min(start, lo[r]);
    end = max(end, hi[r]);
    let qBase = (row * p.qRowStride + p.qColOffset + head * HEAD_DIM) / 4u;
    for (var i = 0u; i < QUADS; i++) { q[r * 32u + i] = Q[qBase + i] * p.scale; }
  }
  for (var j = start; j < end; j++) {
    var attended = false;
    for (var r = 0u; r < ROWS; r++) { attended = attended || (j >= lo[r] && j < hi[r]); }
    if (!attended) { continue; }
    let kBase = (j * p.kvRowStride + p.kColOffset + kvHead * HEAD_DIM) / 4u;
    let vBase = (j * p.kvRowStride + p.vColOffset + kvHead * HEAD_DIM) / 4u;
    for (var i = 0u; i < QUADS; i++) { kj[i] = K[kBase + i]; vj[i] = V[vBase + i]; }
    for (var r = 0u; r < ROWS; r++) {
      let inside = j >= lo[r] && j < hi[r];
      var s = 0.0;
      for (var i = 0u; i < QUADS; i++) { s += dot(q[r * 32u + i], kj[i]); }
      let mNew = select(m[r], max(m[r], s), inside);
      let shrink = exp(m[r] - mNew);
      let weight = select(0.0, exp(s - mNew), inside);
      l[r] = l[r] * shrink + weight;
      for (var i = 0u; i < QUADS; i++) { o[r * 32u + i] = o[r * 32u + i] * shrink + weight * vj[i]; }
      m[r] = mNew;
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    if (first + r < p.R) {
      let oBase = ((first + r) * p.nHeads + head) * QUADS;
      for (var i = 0u; i < QUADS; i++) { O[oBase + i] = o[r * 32u + i] / l[r]; }
      lse[head * p.R + first + r] = m[r] + log(l[r]);
    }
  }
}
