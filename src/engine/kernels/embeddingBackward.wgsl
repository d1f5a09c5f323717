// Embedding backward for full training: the gather h[t] = E[token[t]] scatters back as
// dE[token[t], :] += dh[t, :]. Shapes: dh [T, D], tokens [T] (u32), dE [V, D] (accumulated).
// WGSL has no float atomics, and tokens repeat, so two threads must never add to one row at once. Each thread
// owns one column d and walks the tokens in order: columns never collide and the sums come out in the same
// order every run. Adjacent threads touch adjacent columns of one row, so the accesses coalesce.
// Ids ≥ V are skipped (padding).

struct Dims { T: u32, V: u32, D: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> dh: array<f32>;
@group(0) @binding(2) var<storage, read> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> dE: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  if (d >= dims.D) { return; }
  for (var t = 0u; t < dims.T; t++) {
    let id = tokens[t];
    if (id < dims.V) { dE[id * dims.D + d] += dh[t * dims.D + d]; }
  }
}
