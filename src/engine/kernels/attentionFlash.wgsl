// gpu family: causal GQA attention forward as flash-attention tiles, for prefill and the training forward
// (more rows than the split-K decode kernels take). Same contract and CPU twin as attention.wgsl: query row r
// attends key rows keys[r] = (first, count); head h reads kv head h / (nHeads / nKvHeads);
// o = Σ_j softmax_j(q · k_j / √d) v_j and lse[h, r] = log Σ_j e^{q · k_j / √d} (saved for the backward).
// Shapes: Q [R, qRowStride] (heads from qColOffset); K, V [rows, kvRowStride] (kColOffset, vColOffset);
// keys [R, 2] u32; O [R, nHeads · d]; lse [nHeads, R]. d ≤ 128, a multiple of 4.
// Workgroup (block of 16 query rows, head) walks the key tiles the block's rows attend: the union of their
// spans, skipping tiles none of them reaches (rows of different KV-cache slots in one block). Per tile: K and V
// rows into workgroup memory, the 16 × TILE scores into workgroup memory (masked to each row's own span), then
// each row's online softmax: its running max m and sum l rescale the o slice its lane holds whenever m grows,
// so no score is ever written to storage. The row's four lanes compute the same m and l from the shared scores.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read_write> O: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

var<workgroup> ks: array<vec4<f32>, TILE * QUADS>;
var<workgroup> vs: array<vec4<f32>, TILE * QUADS>;
var<workgroup> partial: array<f32, ROWS * LANES * TILE>;
var<workgroup> scores: array<f32, ROWS * TILE>;
var<workgroup> blockSpan: vec2<u32>;
var<workgroup> tileUsed: u32;

/** The key rows [lo, hi) that the block's query rows attend between them. */
fn keyRange(row0: u32) -> vec2<u32> {
  var range = vec2<u32>(0xffffffffu, 0u);
  for (var i = row0; i < min(row0 + ROWS, dims.R); i++) {
    range = vec2<u32>(min(range.x, keys[i].x), max(range.y, keys[i].x + keys[i].y));
  }
  return range;
}

/** 1 when some query row of the block attends a key of [k0, k0 + TILE). */
fn tileAttended(row0: u32, k0: u32) -> u32 {
  for (var i = row0; i < min(row0 + ROWS, dims.R); i++) {
    if (keys[i].x < k0 + TILE && keys[i].x + keys[i].y > k0) { return 1u; }
  }
  return 0u;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wg.y;
  let kvHead = head / (dims.nHeads / dims.nKvHeads);
  let row0 = wg.x * ROWS;
  let local = lid / LANES;
  let lane = lid % LANES;
  let r = row0 + local;
  let live = r < dims.R;
  var own = vec2<u32>(0u, 0u); // this row's keys [first, end)
  var q: array<vec4<f32>, SLICE>;
  var o: array<vec4<f32>, SLICE>;
  if (live) {
    own = vec2<u32>(keys[r].x, keys[r].x + keys[r].y);
    let base = qQuad(dims, r, head);
    for (var t = 0u; t < SLICE; t++) {
      if (quadOf(lane, t) < QUADS) { q[t] = Q[base + quadOf(lane, t)] * dims.scale; }
    }
  }
  if (lid == 0u) { blockSpan = keyRange(row0); }
  let range = workgroupUniformLoad(&blockSpan);
  var m = NEG;
  var l = 0.0;
  for (var k0 = range.x; k0 < range.y; k0 += TILE) {
    if (lid == 0u) { tileUsed = tileAttended(row0, k0); }
    if (workgroupUniformLoad(&tileUsed) == 0u) { continue; }
    for (var idx = lid; idx < TILE * QUADS; idx += 64u) {
      let j = k0 + idx / QUADS;
      let i = idx % QUADS;
      var kq = vec4<f32>(0.0);
      var vq = vec4<f32>(0.0);
      if (j < range.y) {
        kq = K[kvQuad(dims, j, kvHead, dims.kColOffset) + i];
        vq = V[kvQuad(dims, j, kvHead, dims.vColOffset) + i];
      }
      ks[idx] = kq;
      vs[idx] = vq;
    }
    workgroupBarrier();
    for (var j = 0u; j < TILE; j++) {
      var s = 0.0;
      for (var t = 0u; t < SLICE; t++) {
        if (quadOf(lane, t) < QUADS) { s += dot(q[t], ks[j * QUADS + quadOf(lane, t)]); }
      }
      partial[(local * LANES + lane) * TILE + j] = s;
    }
    workgroupBarrier();
    for (var j = lane; j < TILE; j += LANES) {
      var s = 0.0;
      for (var a = 0u; a < LANES; a++) { s += partial[(local * LANES + a) * TILE + j]; }
      let key = k0 + j;
      scores[local * TILE + j] = select(NEG, s, key >= own.x && key < own.y);
    }
    workgroupBarrier();
    var tileMax = NEG;
    for (var j = 0u; j < TILE; j++) { tileMax = max(tileMax, scores[local * TILE + j]); }
    let mNew = max(m, tileMax);
    let shrink = exp(m - mNew);
    l *= shrink;
    for (var t = 0u; t < SLICE; t++) { o[t] *= shrink; }
    for (var j = 0u; j < TILE; j++) {
      let s = scores[local * TILE + j];
      // A masked key weighs 0 even while the row has seen no key yet (then mNew is NEG too).
      let w = select(0.0, exp(s - mNew), s > NEG);
      l += w;
      for (var t = 0u; t < SLICE; t++) {
        if (quadOf(lane, t) < QUADS) { o[t] += w * vs[j * QUADS + quadOf(lane, t)]; }
      }
    }
    m = mNew;
    workgroupBarrier(); // the next tile overwrites ks, vs and scores
  }
  if (live) {
    let base = oQuad(dims, r, head);
    for (var t = 0u; t < SLICE; t++) {
      if (quadOf(lane, t) < QUADS) { O[base + quadOf(lane, t)] = o[t] / l; }
    }
    if (lane == 0u) { lse[head * dims.R + r] = m + log(l); }
  }
}
