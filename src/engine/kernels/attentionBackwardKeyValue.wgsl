// Attention backward, key/value side (appended to attentionBackward.wgsl): for key row j of kv head g,
// dk_j = Σ dS_tj q_t / √d and dv_j = Σ P_tj dO_t over every query head h of the group (GQA: the kv head's
// gradient sums theirs) and every row t that attends j: from t = j on, while t's keys still start at or before
// j (packed rows: till the end of j's sequence). One thread per (block of ROWS consecutive key rows, kv head)
// keeps their k_j, v_j, dk_j, dv_j in registers and loads each attending row's q_t, dO_t, lse and Δ once for all
// its key rows; a key row leaves out the rows t that do not attend it by a select. Runs after the query pass,
// which wrote Δ.
// Shapes: delta [nHeads, T]; dK, dV laid out as K, V (written). With `dvInDk` (a fused k/v gradient buffer,
// which may not be bound twice for writing) dV's columns are written through dK's binding and dV is unused.

@group(0) @binding(7) var<storage, read> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dK: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> dV: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = threadIndex(gid, nwg);
  if (index >= (dims.T + ROWS - 1u) / ROWS * dims.nKvHeads) { return; }
  let g = index % dims.nKvHeads;
  let first = index / dims.nKvHeads * ROWS;
  let last = min(first + ROWS, dims.T) - 1u; // the block's last key row
  let group = dims.nHeads / dims.nKvHeads;
  var k: array<vec4<f32>, 128>;
  var v: array<vec4<f32>, 128>;
  var dk: array<vec4<f32>, 128>;
  var dv: array<vec4<f32>, 128>;
  var qt: array<vec4<f32>, 32>;
  var dOt: array<vec4<f32>, 32>;
  for (var r = 0u; r < ROWS; r++) {
    let j = min(first + r, last); // a row past T repeats the last one and is not stored
    let kb = kvBase(j, g, dims.kColOffset);
    let vb = kvBase(j, g, dims.vColOffset);
    for (var i = 0u; i < QUADS; i++) {
      k[r * 32u + i] = K[kb + i];
      v[r * 32u + i] = V[vb + i];
    }
  }
  for (var h = g * group; h < (g + 1u) * group; h++) {
    for (var t = first; t < dims.T; t++) {
      let span = keys[t];
      if (span.x > last) { break; }
      if (first >= span.x + span.y) { continue; } // t attends none of the block's keys
      let qb = qBase(t, h);
      let ob = oBase(t, h);
      for (var i = 0u; i < QUADS; i++) { qt[i] = Q[qb + i]; dOt[i] = dO[ob + i]; }
      let lseT = lse[h * dims.T + t];
      let deltaT = delta[h * dims.T + t];
      for (var r = 0u; r < ROWS; r++) {
        var s = 0.0;
        var dp = 0.0;
        for (var i = 0u; i < QUADS; i++) {
          s += dot(qt[i], k[r * 32u + i]);
          dp += dot(dOt[i], v[r * 32u + i]);
        }
        let j = first + r;
        let p = select(0.0, exp(s * dims.scale - lseT), j >= span.x && j < span.x + span.y);
        let ds = p * (dp - deltaT) * dims.scale;
        for (var i = 0u; i < QUADS; i++) {
          dk[r * 32u + i] += ds * qt[i];
          dv[r * 32u + i] += p * dOt[i];
        }
      }
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let j = first + r;
    if (j < dims.T) {
      let kb = kvBase(j, g, dims.kColOffset);
      let vOut = kvBase(j, g, dims.vColOffset);
      for (var i = 0u; i < QUADS; i++) {
        dK[kb + i] = dk[r * 32u + i];
        if (dims.dvInDk != 0u) { dK[vOut + i] = dv[r * 32u + i]; } else { dV[vOut + i] = dv[r * 32u + i]; }
      }
    }
  }
}
