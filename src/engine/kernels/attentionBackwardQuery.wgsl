// Attention backward, query side (appended to attentionBackward.wgsl): for row t of head h,
// Δ_t = dO_t · o_t (written to delta for the key/value pass) and dq_t = Σ_j dS_tj k_j / √d over the keys t
// attends. One thread per (row, head) keeps q_t, dO_t and dq_t in registers. Shapes: O [T, nHeads · d];
// delta [nHeads, T]; dQ laid out as Q (written).

@group(0) @binding(7) var<storage, read> O: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<storage, read_write> dQ: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = threadIndex(gid, nwg);
  if (index >= dims.T * dims.nHeads) { return; }
  let h = index % dims.nHeads;
  let t = index / dims.nHeads;
  let g = h / (dims.nHeads / dims.nKvHeads);
  let qb = qBase(t, h);
  let ob = oBase(t, h);
  var q: array<vec4<f32>, 32>;
  var dOt: array<vec4<f32>, 32>;
  var dq: array<vec4<f32>, 32>;
  var deltaT = 0.0;
  for (var i = 0u; i < QUADS; i++) {
    q[i] = Q[qb + i];
    dOt[i] = dO[ob + i];
    deltaT += dot(dOt[i], O[ob + i]);
  }
  delta[h * dims.T + t] = deltaT;
  let lseT = lse[h * dims.T + t];
  let span = keys[t];
  for (var j = span.x; j < span.x + span.y; j++) {
    let kb = kvBase(j, g, dims.kColOffset);
    let vb = kvBase(j, g, dims.vColOffset);
    var s = 0.0;
    var dp = 0.0;
    for (var i = 0u; i < QUADS; i++) {
      s += dot(q[i], K[kb + i]);
      dp += dot(dOt[i], V[vb + i]);
    }
    let ds = exp(s * dims.scale - lseT) * (dp - deltaT) * dims.scale;
    for (var i = 0u; i < QUADS; i++) { dq[i] += ds * K[kb + i]; }
  }
  for (var i = 0u; i < QUADS; i++) { dQ[qb + i] = dq[i]; }
}
