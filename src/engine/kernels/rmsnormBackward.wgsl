// RMSNorm backward, input gradient. Forward: y[t, :] = x[t, :] · r[t] · w, r = (mean(x²) + eps)^-½ (saved).
// With g = dy · w:  dx[t, :] = r · (g − x · r² · mean(g · x)), written, or added to dx when `accumulate` is set
// (the residual stream already holds a gradient there).
// Shapes: dy, x, dx [T, D]; w [D]; rstd [T]. One workgroup per row: its 256 threads reduce Σ g·x in shared
// memory (reduce.wgsl), then write the row. The weight gradient is a column sum (columnSum.wgsl).

struct Dims { T: u32, D: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let t = wg.x + wg.y * nwg.x;
  if (t >= dims.T) { return; }
  let row = t * dims.D;
  var s = 0.0;
  for (var d = lid; d < dims.D; d += WG) { s += dy[row + d] * w[d] * x[row + d]; }
  let r = rstd[t];
  let c = r * r * workgroupSum(lid, s) / f32(dims.D);
  for (var d = lid; d < dims.D; d += WG) {
    var v = r * (dy[row + d] * w[d] - x[row + d] * c);
    if (dims.accumulate != 0u) { v += dx[row + d]; }
    dx[row + d] = v;
  }
}
