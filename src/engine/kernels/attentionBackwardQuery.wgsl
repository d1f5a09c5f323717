// Attention backward, query side (appended to attentionBackward.wgsl): dQ = dS K / √d, and Δ_t = dO_t · O_t
// for every row, which the key/value pass reads afterwards. A workgroup owns 16 query rows of one head and
// walks the key blocks from the first key of its first row to the last key of its last row. Owning the rows
// means dQ needs no atomics. Shapes: O [T, nHeads · d]; delta [nHeads, T]; dQ laid out as Q (written).

@group(0) @binding(7) var<storage, read> O: array<f32>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<storage, read_write> dQ: array<f32>;

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) tid: u32,
) {
  let q0 = wg.x * B;
  let h = wg.y;
  let g = h / (dims.nHeads / dims.nKvHeads);
  let d = dims.headDim;
  let t = q0 + lid.y;
  // Δ for the block's rows: 16 lanes per row, summed in a fixed order.
  var part = 0.0;
  if (t < dims.T) {
    for (var c = lid.x; c < d; c += B) {
      let i = (t * dims.nHeads + h) * d + c;
      part += dO[i] * O[i];
    }
  }
  probs[lid.y][lid.x] = part;
  workgroupBarrier();
  if (lid.x == 0u) {
    var s = 0.0;
    for (var j = 0u; j < B; j++) { s += probs[lid.y][j]; }
    rowDelta[lid.y] = s;
    rowLse[lid.y] = 0.0;
    if (t < dims.T) {
      delta[h * dims.T + t] = s;
      rowLse[lid.y] = lse[h * dims.T + t];
    }
  }
  workgroupBarrier();

  var acc: array<f32, ACC>;
  let last = keys[min(q0 + B, dims.T) - 1u];
  for (var k0 = keys[q0].x / B * B; k0 < last.x + last.y; k0 += B) {
    blockScores(h, g, q0, k0, lid, tid);
    for (var c0 = 0u; c0 < d; c0 += DC) {
      stage(TILE_K, g, k0, c0, tid);
      workgroupBarrier();
      for (var j = 0u; j < 2u; j++) {
        var s = 0.0;
        for (var k = 0u; k < B; k++) { s += dscores[lid.y][k] * tiles[TILE_K][k][lid.x + B * j]; }
        acc[c0 / B + j] += s;
      }
      workgroupBarrier();
    }
  }
  if (t >= dims.T) { return; }
  for (var a = 0u; a < ACC; a++) {
    let col = B * a + lid.x;
    if (col < d) { dQ[qIndex(t, h, col)] = acc[a]; }
  }
}
