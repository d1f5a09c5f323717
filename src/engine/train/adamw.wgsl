// One AdamW update (torch.optim.AdamW, decoupled weight decay, bias-corrected) over `count` parameters, with
// gradient clipping by the global norm folded in: the clip factor min(1, maxNorm / (‖g‖ + 1e-6)) is computed
// here from the global sum of squares that sumOfSquares.wgsl left on the GPU, so clipping costs no extra pass
// and no readback. Shapes: grad, param, m, v [count]; sumOfSquares [1].
//   p ← p · (1 − lr·wd);  m ← m + (1 − β1)(g − m);  v ← β2 v + (1 − β2) g²
//   p ← p − (lr / bc1) · m / (√v / √bc2 + eps),   bc1 = 1 − β1^t, bc2 = 1 − β2^t (computed on the CPU in f64)

struct Dims {
  count: u32, clip: u32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32,
  bc1: f32, bc2Sqrt: f32, maxNorm: f32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> sumOfSquares: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= dims.count) { return; }
  var g = grad[i];
  if (dims.clip != 0u) { g *= min(1.0, dims.maxNorm / (sqrt(sumOfSquares[0]) + 1e-6)); }
  let mi = m[i] + (1.0 - dims.beta1) * (g - m[i]);
  let vi = dims.beta2 * v[i] + (1.0 - dims.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let p = param[i] * (1.0 - dims.lr * dims.weightDecay);
  param[i] = p - (dims.lr / dims.bc1) * mi / (sqrt(vi) / dims.bc2Sqrt + dims.eps);
}
