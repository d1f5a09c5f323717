// Attention backward, key/value side (appended to attentionBackward.wgsl): for key row j of kv head g,
// dk_j = Σ dS_tj q_t / √d and dv_j = Σ P_tj dO_t over every query head h of the group (GQA: the kv head's
// gradient sums theirs) and every row t that attends j: from t = j on, while t's keys still start at or before
// j (packed rows: till the end of j's sequence). One thread per (key row, kv head) keeps k_j, v_j, dk_j, dv_j in
// registers. Runs after the query pass, which wrote Δ.
// Shapes: delta [nHeads, T]; dK, dV laid out as K, V (written). With `dvInDk` (a fused k/v gradient buffer,
// which may not be bound twice for writing) dV's columns are written through dK's binding and dV is unused.

@group(0) @binding(7) var<storage, read> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dK: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> dV: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = threadIndex(gid, nwg);
  if (index >= dims.T * dims.nKvHeads) { return; }
  let g = index % dims.nKvHeads;
  let j = index / dims.nKvHeads;
  let group = dims.nHeads / dims.nKvHeads;
  let kb = kvBase(j, g, dims.kColOffset);
  let vb = kvBase(j, g, dims.vColOffset);
  var k: array<vec4<f32>, 32>;
  var v: array<vec4<f32>, 32>;
  var dk: array<vec4<f32>, 32>;
  var dv: array<vec4<f32>, 32>;
  for (var i = 0u; i < QUADS; i++) {
    k[i] = K[kb + i];
    v[i] = V[vb + i];
  }
  for (var h = g * group; h < (g + 1u) * group; h++) {
    for (var t = j; t < dims.T; t++) {
      let span = keys[t];
      if (span.x > j) { break; }
      if (j >= span.x + span.y) { continue; }
      let qb = qBase(t, h);
      let ob = oBase(t, h);
      var s = 0.0;
      var dp = 0.0;
      for (var i = 0u; i < QUADS; i++) {
        s += dot(Q[qb + i], k[i]);
        dp += dot(dO[ob + i], v[i]);
      }
      let p = exp(s * dims.scale - lse[h * dims.T + t]);
      let ds = p * (dp - delta[h * dims.T + t]) * dims.scale;
      for (var i = 0u; i < QUADS; i++) {
        dk[i] += ds * Q[qb + i];
        dv[i] += p * dO[ob + i];
      }
    }
  }
  let vOut = kvBase(j, g, dims.vColOffset);
  for (var i = 0u; i < QUADS; i++) {
    dK[kb + i] = dk[i];
    if (dims.dvInDk != 0u) { dK[vOut + i] = dv[i]; } else { dV[vOut + i] = dv[i]; }
  }
}
