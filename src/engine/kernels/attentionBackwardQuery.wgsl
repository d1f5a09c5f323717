// Attention backward, query side (appended to attentionBackward.wgsl): for row t of head h,
// Δ_t = dO_t · o_t (written to delta for the key/value pass) and dq_t = Σ_j dS_tj k_j / √d over the keys t
// attends. One thread per (block of ROWS consecutive rows, head) keeps their q_t, dO_t and dq_t in registers and
// walks the union of their key spans, loading each k_j and v_j once for all its rows; a row leaves out keys
// outside its span by a select. Shapes: O [T, nHeads · d]; delta [nHeads, T]; dQ laid out as Q (written).

@group(0) @binding(7) var<storage, read> O: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<storage, read_write> dQ: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = threadIndex(gid, nwg);
  if (index >= (dims.T + ROWS - 1u) / ROWS * dims.nHeads) { return; }
  let h = index % dims.nHeads;
  let first = index / dims.nHeads * ROWS;
  let g = h / (dims.nHeads / dims.nKvHeads);
  var q: array<vec4<f32>, 128>;
  var dOt: array<vec4<f32>, 128>;
  var dq: array<vec4<f32>, 128>;
  var kj: array<vec4<f32>, 32>;
  var vj: array<vec4<f32>, 32>;
  var lo: array<u32, 4>;
  var hi: array<u32, 4>;
  var lseT: array<f32, 4>;
  var deltaT: array<f32, 4>;
  var start = 0xffffffffu;
  var end = 0u;
  for (var r = 0u; r < ROWS; r++) {
    let t = min(first + r, dims.T - 1u); // a row past T repeats the last one and is not stored
    let qb = qBase(t, h);
    let ob = oBase(t, h);
    var d = 0.0;
    for (var i = 0u; i < QUADS; i++) {
      q[r * 32u + i] = Q[qb + i];
      dOt[r * 32u + i] = dO[ob + i];
      d += dot(dOt[r * 32u + i], O[ob + i]);
    }
    deltaT[r] = d;
    lseT[r] = lse[h * dims.T + t];
    let span = keys[t];
    lo[r] = span.x;
    hi[r] = span.x + span.y;
    start = min(start, lo[r]);
    end = max(end, hi[r]);
  }
  for (var j = start; j < end; j++) {
    var attended = false;
    for (var r = 0u; r < ROWS; r++) { attended = attended || (j >= lo[r] && j < hi[r]); }
    if (!attended) { continue; }
    let kb = kvBase(j, g, dims.kColOffset);
    let vb = kvBase(j, g, dims.vColOffset);
    for (var i = 0u; i < QUADS; i++) { kj[i] = K[kb + i]; vj[i] = V[vb + i]; }
    for (var r = 0u; r < ROWS; r++) {
      var s = 0.0;
      var dp = 0.0;
      for (var i = 0u; i < QUADS; i++) {
        s += dot(q[r * 32u + i], kj[i]);
        dp += dot(dOt[r * 32u + i], vj[i]);
      }
      let ds = exp(s * dims.scale - lseT[r]) * (dp - deltaT[r]) * dims.scale;
      let inside = j >= lo[r] && j < hi[r];
      for (var i = 0u; i < QUADS; i++) { dq[r * 32u + i] += select(0.0, ds, inside) * kj[i]; }
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    if (first + r < dims.T) {
      delta[h * dims.T + first + r] = deltaT[r];
      let qb = qBase(first + r, h);
      for (var i = 0u; i < QUADS; i++) { dQ[qb + i] = dq[r * 32u + i]; }
    }
  }
}
