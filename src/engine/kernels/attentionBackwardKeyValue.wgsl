// Attention backward, key/value side (appended to attentionBackward.wgsl): dK = dSᵀ Q / √d, dV = Pᵀ dO.
// A workgroup owns 16 key rows of one kv head and walks, for each query head of its group (GQA: the kv head's
// gradient is the sum over them), the query blocks from its first key on, while a block's first row still
// attends a key at or before its last key (packed rows: till the end of that key's sequence). Owning the rows
// means no atomics. Runs after the query pass, which wrote Δ.
// Shapes: delta [nHeads, T]; dK, dV laid out as K, V (written). With `dvInDk` (a fused k/v gradient buffer,
// which may not be bound twice for writing) dV's columns are written through dK's binding and dV is unused.

@group(0) @binding(7) var<storage, read> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dK: array<f32>;
@group(0) @binding(9) var<storage, read_write> dV: array<f32>;

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) tid: u32,
) {
  let k0 = wg.x * B;
  let g = wg.y;
  let group = dims.nHeads / dims.nKvHeads;
  let d = dims.headDim;
  let lastKey = min(k0 + B, dims.T) - 1u;
  var accK: array<f32, ACC>;
  var accV: array<f32, ACC>;
  for (var h = g * group; h < (g + 1u) * group; h++) {
    for (var q0 = k0; q0 < dims.T && keys[q0].x <= lastKey; q0 += B) {
      if (tid < B) {
        let t = q0 + tid;
        rowLse[tid] = 0.0;
        rowDelta[tid] = 0.0;
        if (t < dims.T) {
          rowLse[tid] = lse[h * dims.T + t];
          rowDelta[tid] = delta[h * dims.T + t];
        }
      }
      workgroupBarrier();
      blockScores(h, g, q0, k0, lid, tid);
      for (var c0 = 0u; c0 < d; c0 += DC) {
        stage(TILE_Q, h, q0, c0, tid);
        stage(TILE_DO, h, q0, c0, tid);
        workgroupBarrier();
        for (var j = 0u; j < 2u; j++) {
          var sk = 0.0;
          var sv = 0.0;
          for (var q = 0u; q < B; q++) {
            sk += dscores[q][lid.y] * tiles[TILE_Q][q][lid.x + B * j];
            sv += probs[q][lid.y] * tiles[TILE_DO][q][lid.x + B * j];
          }
          accK[c0 / B + j] += sk;
          accV[c0 / B + j] += sv;
        }
        workgroupBarrier();
      }
    }
  }
  let s = k0 + lid.y;
  if (s >= dims.T) { return; }
  for (var a = 0u; a < ACC; a++) {
    let col = B * a + lid.x;
    if (col >= d) { continue; }
    dK[kvIndex(s, g, col, dims.kColOffset)] = accK[a];
    let vi = kvIndex(s, g, col, dims.vColOffset);
    if (dims.dvInDk != 0u) { dK[vi] = accV[a]; } else { dV[vi] = accV[a]; }
  }
}
