// SwiGLU backward. Forward (siluGate.wgsl): m = silu(g) · u, silu(g) = g · σ(g). With dm [T, I]:
//   du = dm · silu(g),   dg = dm · u · σ · (1 + g · (1 − σ)).
// g and u are read as the forward reads them, from rows of `rowStride` floats at columns gOffset + i and
// uOffset + i: two [T, I] buffers, or one fused gate_up [T, 2I] bound twice. The gradients are written in the
// same layout. Fused, both go through the `dg` binding (`du` is unused): one buffer may not be bound twice for
// writing. One thread per (token, column).

struct Dims { T: u32, I: u32, rowStride: u32, gOffset: u32, uOffset: u32, fused: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> dm: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> u: array<f32>;
@group(0) @binding(4) var<storage, read_write> dg: array<f32>;
@group(0) @binding(5) var<storage, read_write> du: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.x + gid.y * nwg.x * 256u;
  if (index >= dims.T * dims.I) { return; }
  let row = (index / dims.I) * dims.rowStride;
  let i = index % dims.I;
  let gi = row + dims.gOffset + i;
  let ui = row + dims.uOffset + i;
  let gate = g[gi];
  let sig = 1.0 / (1.0 + exp(-gate));
  let grad = dm[index];
  dg[gi] = grad * u[ui] * sig * (1.0 + gate * (1.0 - sig));
  if (dims.fused != 0u) { dg[ui] = grad * gate * sig; } else { du[ui] = grad * gate * sig; }
}
