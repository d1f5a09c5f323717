// Fused loss, pass 1, for one vocabulary chunk of logits z [T, C] (columns chunkStart .. chunkStart + C − 1):
// folds the chunk into each row's running max m and sum s = Σ e^{z − m} (the online log-sum-exp), keeps the
// target's logit when the target falls in this chunk, and writes lse = m + log s and logp = z_y − lse. After the
// last chunk those are final; [T, V] logits never exist at once. Logits are divided by the sampling temperature
// first (invT = 1 / T), so logp is the log-probability under the distribution the tokens were sampled from.
// ROW threads per row (WG / ROW rows per workgroup): each folds a strided share of the columns, then the pairs
// (m, s) merge in a tree in workgroup memory. The gpu family sizes ROW to C (at most 256); the emulator family
// walks a row with one thread (ROW = 1: no tree, no barrier, which SwiftShader pays dearly for).
// Shapes: z [T, C]; targets [T] (u32, < V); stats [T, 3] = (m, s, z_y), carried between chunks; lse, logp [T].

struct Dims { T: u32, C: u32, chunkStart: u32, first: u32, invT: f32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> logp: array<f32>;

override WG: u32 = 256u; // threads per workgroup, a power of two
override ROW: u32 = 256u; // threads per row, a power of two dividing WG
const NEG = -3.0e38; // a finite "minus infinity": exp(NEG − x) is 0 without inf − inf = NaN
var<workgroup> wmax: array<f32, WG>;
var<workgroup> wsum: array<f32, WG>;

/** (m1, s1) ⊕ (m2, s2) = (M, s1 e^{m1−M} + s2 e^{m2−M}), M = max(m1, m2). */
fn merge(m1: f32, s1: f32, m2: f32, s2: f32) -> vec2<f32> {
  let m = max(m1, m2);
  return vec2<f32>(m, s1 * exp(m1 - m) + s2 * exp(m2 - m));
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let t = (wg.x + wg.y * nwg.x) * (WG / ROW) + lid / ROW;
  let lane = lid % ROW;
  let inside = t < dims.T; // a row past T still joins its workgroup's barriers
  let base = t * dims.C;
  var m = NEG;
  var s = 0.0;
  if (inside) {
    for (var c = lane; c < dims.C; c += ROW) {
      let merged = merge(m, s, z[base + c] * dims.invT, 1.0);
      m = merged.x;
      s = merged.y;
    }
  }
  if (ROW > 1u) {
    wmax[lid] = m;
    wsum[lid] = s;
    workgroupBarrier();
    for (var stride = ROW / 2u; stride > 0u; stride /= 2u) {
      if (lane < stride) {
        let merged = merge(wmax[lid], wsum[lid], wmax[lid + stride], wsum[lid + stride]);
        wmax[lid] = merged.x;
        wsum[lid] = merged.y;
      }
      workgroupBarrier();
    }
    m = wmax[lid];
    s = wsum[lid];
  }
  if (!inside || lane != 0u) { return; }
  var running = vec2<f32>(m, s);
  var zy = 0.0;
  if (dims.first == 0u) {
    running = merge(stats[t * 3u], stats[t * 3u + 1u], running.x, running.y);
    zy = stats[t * 3u + 2u];
  }
  let y = targets[t];
  if (y >= dims.chunkStart && y < dims.chunkStart + dims.C) { zy = z[base + y - dims.chunkStart] * dims.invT; }
  stats[t * 3u] = running.x;
  stats[t * 3u + 1u] = running.y;
  stats[t * 3u + 2u] = zy;
  let l = running.x + log(running.y);
  lse[t] = l;
  logp[t] = zy - l;
}
