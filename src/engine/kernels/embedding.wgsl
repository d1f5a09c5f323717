// Embedding gather: out[t, :] = E[ids[t], :] for an f32 table E [V, D] or, with Q4 set, an int4 table in MLC's
// q4 layout (qweight [V, D/8] u32, element j of a word at bits 4j..4j+3; scales [V, D/32]; e = (code − 7) · scale,
// D % 32 == 0). Ids at or past V read row V − 1 (the wrapper's callers validate ids; a shader cannot throw).
// The unused table's bindings get a placeholder. One thread per output float.

override Q4: bool = false;

struct Params { T: u32, D: u32, V: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read> qweight: array<u32>;
@group(0) @binding(4) var<storage, read> scales: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.y * nwg.x * 64u + gid.x;
  if (index >= p.T * p.D) { return; }
  let row = min(ids[index / p.D], p.V - 1u);
  let d = index % p.D;
  if (Q4) {
    let word = qweight[row * (p.D / 8u) + d / 8u];
    let code = f32((word >> ((d % 8u) * 4u)) & 15u) - 7.0;
    out[index] = code * scales[row * (p.D / 32u) + d / 32u];
  } else {
    out[index] = table[row * p.D + d];
  }
}
