// Fused loss, pass 2, for one vocabulary chunk: turns the recomputed logits z [T, C] into their gradient, in
// place, and also writes it transposed: dz[t, c] = (w_t / T) · (e^{z[t, c] / T − lse_t} − [chunkStart + c == y_t]),
// the gradient of −Σ_t w_t log p(y_t) with p = softmax(z / T) (T the sampling temperature, invT = 1 / T). lse comes from pass 1. dzᵀ lets dH = dz E_c run on the weight-gradient
// kernel (see fusedLoss.ts). Shapes: z [T, C]; targets [T] (u32); weights, lse [T]; dzT [C, T].
// One thread per element.

struct Dims { T: u32, C: u32, chunkStart: u32, invT: f32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read_write> z: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> dzT: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= dims.T * dims.C) { return; }
  let t = i / dims.C;
  let c = i % dims.C;
  let w = weights[t];
  var onehot = 0.0;
  if (targets[t] == dims.chunkStart + c) { onehot = 1.0; }
  let g = w * dims.invT * (exp(z[i] * dims.invT - lse[t]) - onehot);
  z[i] = g;
  dzT[c * dims.T + t] = g;
}
