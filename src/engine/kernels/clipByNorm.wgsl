// Gradient clipping, in place: x[i] *= min(1, maxNorm / (√sumOfSquares + 1e-6)) (torch's clip_grad_norm_
// factor). The sum of squares stays on the GPU (sumOfSquares.wgsl), so clipping needs no readback.
// Shapes: x [count]; sumOfSquares [1].

struct Dims { count: u32, maxNorm: f32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> sumOfSquares: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= dims.count) { return; }
  x[i] *= min(1.0, dims.maxNorm / (sqrt(sumOfSquares[0]) + 1e-6));
}
