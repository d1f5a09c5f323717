// Embedding gather: out[t, :] = E[ids[t], :] for a table E [V, D] stored as FORMAT says:
//   0 f32, 1 f16, 2 bf16: `table` holds the elements' bits (16-bit ones two to a word, element i in half
//     i % 2 of word i / 2, lowest first), widened to f32 here;
//   3 q4, MLC's layout: qweight [V, D/8] u32 (element j of a word at bits 4j..4j+3), scales [V, D/32];
//     e = (code − 7) · scale, D % 32 == 0.
// Ids at or past V read row V − 1 (the wrapper's callers validate ids; a shader cannot throw).
// The unused table's bindings get a placeholder. One thread per output float.

override FORMAT: u32 = 0u;

struct Params { T: u32, D: u32, V: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read> qweight: array<u32>;
@group(0) @binding(4) var<storage, read> scales: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

fn element(i: u32) -> f32 {
  if (FORMAT == 0u) { return bitcast<f32>(table[i]); }
  let word = table[i / 2u];
  let high = i % 2u == 1u;
  if (FORMAT == 1u) { return select(unpack2x16float(word).x, unpack2x16float(word).y, high); }
  return bitcast<f32>(select(word << 16u, word & 0xffff0000u, high)); // bf16 is the top half of an f32
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.y * nwg.x * 64u + gid.x;
  if (index >= p.T * p.D) { return; }
  let row = min(ids[index / p.D], p.V - 1u);
  let d = index % p.D;
  if (FORMAT == 3u) {
    let word = qweight[row * (p.D / 8u) + d / 8u];
    let code = f32((word >> ((d % 8u) * 4u)) & 15u) - 7.0;
    out[index] = code * scales[row * (p.D / 32u) + d / 32u];
  } else {
    out[index] = element(row * p.D + d);
  }
}
