// G[p, q] += c · Σ_t P[t, p] · Q[t, q]  (G = c · Pᵀ Q, accumulated): the LoRA weight gradients, where one side
// is the tiny [T, r] matrix u or du.  dB [out, r] += s · dyᵀ u  (P = dy, Q = u);  dA [r, in] += duᵀ x  (P = du, Q = x).
// One thread per element of G, looping over the T tokens; G is small (r · features) so this is enough threads.
// Accumulating lets micro-batches sum their gradients before one optimizer step.

struct Dims { T: u32, Pn: u32, Qn: u32, c: f32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> P: array<f32>;
@group(0) @binding(2) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read_write> G: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= dims.Pn * dims.Qn) { return; }
  let p = i / dims.Qn;
  let q = i % dims.Qn;
  var s = 0.0;
  for (var t = 0u; t < dims.T; t++) { s += P[t * dims.Pn + p] * Q[t * dims.Qn + q]; }
  G[i] += dims.c * s;
}
