// RMSNorm per row: y[t, :] = x[t, :] · r_t · w, with r_t = (mean(x[t, :]²) + eps)^-½ also written to rstd[t],
// which the backward reuses. Shapes: x, y [T, D]; w [D]; rstd [T].
// One thread per row, walking D: rows are independent, and a workgroup reduction would need workgroup memory
// and barriers, which SwiftShader runs several times slower; the norm is a small part of a layer either way.

struct Params { T: u32, D: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.y * nwg.x * 64u + gid.x;
  if (t >= p.T) { return; }
  let base = t * p.D;
  var sumSquares = 0.0;
  for (var d = 0u; d < p.D; d++) { sumSquares += x[base + d] * x[base + d]; }
  let r = inverseSqrt(sumSquares / f32(p.D) + p.eps);
  rstd[t] = r;
  for (var d = 0u; d < p.D; d++) { y[base + d] = x[base + d] * r * w[d]; }
}
