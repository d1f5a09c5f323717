// gpu family: causal GQA attention backward, key/value side, as flash-attention tiles (flashTile.wgsl
// prepended; runs after attentionFlashQuery.wgsl, which wrote Δ). For key row j of kv head g:
// dk_j = Σ_h Σ_t dS_tj q_t / √d and dv_j = Σ_h Σ_t P_tj dO_t, over the query heads h of g's group (GQA: the kv
// head's gradient is the sum of theirs) and the query rows t that attend j, with P and dS rebuilt from lse and Δ
// as in the query pass. Shapes: as attentionBackward.wgsl; dK, dV written in K's and V's layout, or with
// `dvInDk` (one fused k/v gradient buffer, which may not be bound twice for writing) dV's columns through dK.
// Workgroup (block of 16 key rows, kv head): each key row's lanes hold slices of k, v, dk and dv in registers;
// for each head of the group, tiles of query rows (Q and dO rows, their lse and Δ) go to workgroup memory, from
// the block's first key (no earlier row attends it) until a tile starts in a later sequence (keys from
// packedKeys: every row attends an unbroken span ending at itself).

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dO: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dK: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> dV: array<vec4<f32>>;

var<workgroup> qs: array<vec4<f32>, TILE * QUADS>;
var<workgroup> dOs: array<vec4<f32>, TILE * QUADS>;
var<workgroup> rowStats: array<vec2<f32>, TILE>; // (lse, Δ) of the tile's query rows
var<workgroup> partial: array<vec2<f32>, ROWS * LANES * TILE>;
var<workgroup> pdS: array<vec2<f32>, ROWS * TILE>; // (P, dS) of (key row, query row)
var<workgroup> tileUsed: u32;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wg.y;
  let group = dims.nHeads / dims.nKvHeads;
  let j0 = wg.x * ROWS;
  let jLast = min(j0 + ROWS, dims.R) - 1u;
  let local = lid / LANES;
  let lane = lid % LANES;
  let j = j0 + local;
  let live = j < dims.R;
  var k: array<vec4<f32>, SLICE>;
  var v: array<vec4<f32>, SLICE>;
  var dk: array<vec4<f32>, SLICE>;
  var dv: array<vec4<f32>, SLICE>;
  if (live) {
    for (var t = 0u; t < SLICE; t++) {
      let i = quadOf(lane, t);
      if (i < QUADS) {
        k[t] = K[kvQuad(dims, j, g, dims.kColOffset) + i];
        v[t] = V[kvQuad(dims, j, g, dims.vColOffset) + i];
      }
    }
  }
  for (var h = g * group; h < (g + 1u) * group; h++) {
    for (var t0 = j0; t0 < dims.R; t0 += TILE) {
      if (lid == 0u) { tileUsed = select(0u, 1u, keys[t0].x <= jLast); }
      if (workgroupUniformLoad(&tileUsed) == 0u) { break; }
      for (var idx = lid; idx < TILE * QUADS; idx += 64u) {
        let t = t0 + idx / QUADS;
        var qq = vec4<f32>(0.0);
        var dq = vec4<f32>(0.0);
        if (t < dims.R) {
          qq = Q[qQuad(dims, t, h) + idx % QUADS];
          dq = dO[oQuad(dims, t, h) + idx % QUADS];
        }
        qs[idx] = qq;
        dOs[idx] = dq;
      }
      if (lid < TILE && t0 + lid < dims.R) {
        rowStats[lid] = vec2<f32>(lse[h * dims.R + t0 + lid], delta[h * dims.R + t0 + lid]);
      }
      workgroupBarrier();
      for (var i = 0u; i < TILE; i++) {
        var sp = vec2<f32>(0.0);
        for (var t = 0u; t < SLICE; t++) {
          let quad = quadOf(lane, t);
          if (quad < QUADS) { sp += vec2<f32>(dot(k[t], qs[i * QUADS + quad]), dot(v[t], dOs[i * QUADS + quad])); }
        }
        partial[(local * LANES + lane) * TILE + i] = sp;
      }
      workgroupBarrier();
      for (var i = lane; i < TILE; i += LANES) {
        var sp = vec2<f32>(0.0);
        for (var a = 0u; a < LANES; a++) { sp += partial[(local * LANES + a) * TILE + i]; }
        let t = t0 + i;
        var attends = false;
        if (live && t < dims.R) { attends = j >= keys[t].x && j < keys[t].x + keys[t].y; }
        let p = exp(sp.x * dims.scale - rowStats[i].x);
        let ds = p * (sp.y - rowStats[i].y) * dims.scale;
        pdS[local * TILE + i] = select(vec2<f32>(0.0), vec2<f32>(p, ds), attends);
      }
      workgroupBarrier();
      for (var i = 0u; i < TILE; i++) {
        let w = pdS[local * TILE + i];
        for (var t = 0u; t < SLICE; t++) {
          let quad = quadOf(lane, t);
          if (quad < QUADS) {
            dv[t] += w.x * dOs[i * QUADS + quad];
            dk[t] += w.y * qs[i * QUADS + quad];
          }
        }
      }
      workgroupBarrier(); // the next tile overwrites qs, dOs, rowStats, partial and pdS
    }
  }
  if (live) {
    let kb = kvQuad(dims, j, g, dims.kColOffset);
    let vb = kvQuad(dims, j, g, dims.vColOffset);
    for (var t = 0u; t < SLICE; t++) {
      let i = quadOf(lane, t);
      if (i < QUADS) {
        dK[kb + i] = dk[t];
        if (dims.dvInDk != 0u) { dK[vb + i] = dv[t]; } else { dV[vb + i] = dv[t]; }
      }
    }
  }
}
