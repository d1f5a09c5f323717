// gpu family: causal GQA attention backward, query side, as flash-attention tiles (flashTile.wgsl prepended).
// The forward (attentionFlash.wgsl or attention.wgsl) saved only lse; this rebuilds each tile's scores:
// P_tj = exp(q_t · k_j / √d − lse_t), dP_tj = dO_t · v_j, dS_tj = P_tj (dP_tj − Δ_t) with Δ_t = dO_t · o_t, and
// dq_t = Σ_j dS_tj k_j / √d over the keys t attends. Δ goes to `delta` for the key/value pass.
// Shapes: as attentionBackward.wgsl (Q, K, V in the forward's layout; dO, O [R, nHeads · d]; lse, delta
// [nHeads, R]; keys [R, 2] u32 from packedKeys); dQ is written in Q's layout.
// Workgroup (block of 16 query rows, head): each row's lanes hold slices of q, dO and dq in registers; per tile
// of keys, K and V rows go to workgroup memory, the two dot products (q · k and dO · v) are summed from lane
// partials, and dS lands in workgroup memory for the dq update.

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dO: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> O: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<storage, read_write> dQ: array<vec4<f32>>;

var<workgroup> ks: array<vec4<f32>, TILE * QUADS>;
var<workgroup> vs: array<vec4<f32>, TILE * QUADS>;
var<workgroup> partial: array<vec2<f32>, ROWS * LANES * TILE>;
var<workgroup> dS: array<f32, ROWS * TILE>;
var<workgroup> blockSpan: vec2<u32>;

/** The key rows [lo, hi) that the block's query rows attend between them (packed rows: one contiguous range). */
fn keyRange(row0: u32) -> vec2<u32> {
  var range = vec2<u32>(0xffffffffu, 0u);
  for (var i = row0; i < min(row0 + ROWS, dims.R); i++) {
    range = vec2<u32>(min(range.x, keys[i].x), max(range.y, keys[i].x + keys[i].y));
  }
  return range;
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
  var own = vec2<u32>(0u, 0u);
  var q: array<vec4<f32>, SLICE>;
  var dOr: array<vec4<f32>, SLICE>;
  var dq: array<vec4<f32>, SLICE>;
  var deltaPart = 0.0;
  var lseR = 0.0;
  if (live) {
    own = vec2<u32>(keys[r].x, keys[r].x + keys[r].y);
    lseR = lse[head * dims.R + r];
    let qb = qQuad(dims, r, head);
    let ob = oQuad(dims, r, head);
    for (var t = 0u; t < SLICE; t++) {
      let i = quadOf(lane, t);
      if (i < QUADS) {
        q[t] = Q[qb + i];
        dOr[t] = dO[ob + i];
        deltaPart += dot(dOr[t], O[ob + i]);
      }
    }
  }
  // Δ_t: the row's four lane partials, summed through `partial` before the tiles use it.
  partial[lid] = vec2<f32>(deltaPart, 0.0);
  workgroupBarrier();
  var deltaR = 0.0;
  for (var a = 0u; a < LANES; a++) { deltaR += partial[local * LANES + a].x; }
  if (live && lane == 0u) { delta[head * dims.R + r] = deltaR; }
  if (lid == 0u) { blockSpan = keyRange(row0); }
  let range = workgroupUniformLoad(&blockSpan);
  for (var k0 = range.x; k0 < range.y; k0 += TILE) {
    for (var idx = lid; idx < TILE * QUADS; idx += 64u) {
      let j = k0 + idx / QUADS;
      var kq = vec4<f32>(0.0);
      var vq = vec4<f32>(0.0);
      if (j < range.y) {
        kq = K[kvQuad(dims, j, kvHead, dims.kColOffset) + idx % QUADS];
        vq = V[kvQuad(dims, j, kvHead, dims.vColOffset) + idx % QUADS];
      }
      ks[idx] = kq;
      vs[idx] = vq;
    }
    workgroupBarrier();
    for (var j = 0u; j < TILE; j++) {
      var sp = vec2<f32>(0.0);
      for (var t = 0u; t < SLICE; t++) {
        let i = quadOf(lane, t);
        if (i < QUADS) { sp += vec2<f32>(dot(q[t], ks[j * QUADS + i]), dot(dOr[t], vs[j * QUADS + i])); }
      }
      partial[(local * LANES + lane) * TILE + j] = sp;
    }
    workgroupBarrier();
    for (var j = lane; j < TILE; j += LANES) {
      var sp = vec2<f32>(0.0);
      for (var a = 0u; a < LANES; a++) { sp += partial[(local * LANES + a) * TILE + j]; }
      let key = k0 + j;
      let p = exp(sp.x * dims.scale - lseR);
      dS[local * TILE + j] = select(0.0, p * (sp.y - deltaR) * dims.scale, key >= own.x && key < own.y);
    }
    workgroupBarrier();
    for (var j = 0u; j < TILE; j++) {
      let ds = dS[local * TILE + j];
      for (var t = 0u; t < SLICE; t++) {
        if (quadOf(lane, t) < QUADS) { dq[t] += ds * ks[j * QUADS + quadOf(lane, t)]; }
      }
    }
    workgroupBarrier(); // the next tile overwrites ks, vs, partial and dS
  }
  if (live) {
    let qb = qQuad(dims, r, head);
    for (var t = 0u; t < SLICE; t++) {
      if (quadOf(lane, t) < QUADS) { dQ[qb + quadOf(lane, t)] = dq[t]; }
    }
  }
}
