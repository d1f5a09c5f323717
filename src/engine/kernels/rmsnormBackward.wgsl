// RMSNorm backward, input gradient. Forward: y[t, :] = x[t, :] · r[t] · w, r = (mean(x²) + eps)^-½ (saved).
// With g = dy · w:  dx[t, :] = r · (g − x · r² · mean(g · x)), written, or added to dx when `accumulate` is set
// (the residual stream already holds a gradient there).
// Shapes: dy, x, dx [T, D]; w [D]; rstd [T]. ROW threads per row reduce Σ g·x (reduce.wgsl's segments), WG / ROW
// rows per workgroup, so threads match the row: the gpu family sizes ROW to D (up to 256), the emulator family
// walks a row with one thread (ROW = 1: no workgroup memory, no barrier, which SwiftShader pays dearly for).
// The weight gradient is a column sum (columnSum.wgsl).

struct Dims { T: u32, D: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256u; // threads per workgroup, a power of two
override ROW: u32 = 256u; // threads per row, a power of two dividing WG

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let t = (wg.x + wg.y * nwg.x) * (WG / ROW) + lid / ROW;
  let lane = lid % ROW;
  let inside = t < dims.T; // a row past T still joins its workgroup's barriers
  let row = t * dims.D;
  var s = 0.0;
  if (inside) {
    for (var d = lane; d < dims.D; d += ROW) { s += dy[row + d] * w[d] * x[row + d]; }
  }
  let total = segmentSum(lid, s, ROW);
  if (!inside) { return; }
  let r = rstd[t];
  let c = r * r * total / f32(dims.D);
  for (var d = lane; d < dims.D; d += ROW) {
    var v = r * (dy[row + d] * w[d] - x[row + d] * c);
    if (dims.accumulate != 0u) { v += dx[row + d]; }
    dx[row + d] = v;
  }
}
