// SwiGLU gate: m[t, i] = silu(g[t, i]) · u[t, i], silu(g) = g · sigmoid(g). Shapes: m [T, I]; g and u are read
// from rows of `rowStride` floats at columns gOffset + i and uOffset + i, so they can be two [T, I] buffers or
// one fused gate_up [T, 2I] (MLC's layout: gate first, then up; bind the buffer twice). One thread per element.

struct Params { T: u32, I: u32, rowStride: u32, gOffset: u32, uOffset: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.y * nwg.x * 64u + gid.x;
  if (index >= p.T * p.I) { return; }
  let row = (index / p.I) * p.rowStride;
  let i = index % p.I;
  let gate = g[row + p.gOffset + i];
  m[index] = gate / (1.0 + exp(-gate)) * u[row + p.uOffset + i];
}
