// Rotary position embedding, rotate-half convention, in place: in each head of each row, the pair (i, i + d/2)
// turns by the angle positions[t] · invFreq[i] (by its negative when `inverse` is set: the backward).
// Shapes: x [T, rowStride], whose heads start at column colOffset (so q and k can be turned inside a fused qkv
// row); positions [T] u32; invFreq [d/2] (llama3 scaling already folded in on the CPU).
// The angle is the f32 product, as Hugging Face forms it; sinCos.wgsl says why it is not WGSL's sin and cos.

struct Params { T: u32, nHeads: u32, headDim: u32, rowStride: u32, colOffset: u32, inverse: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<u32>;
@group(0) @binding(3) var<storage, read> invFreq: array<f32>;

// sinCos comes from sinCos.wgsl (rope.ts prepends it).

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let half = p.headDim / 2u;
  let index = gid.y * nwg.x * 64u + gid.x; // (t, head, i)
  if (index >= p.T * p.nHeads * half) { return; }
  let i = index % half;
  let head = (index / half) % p.nHeads;
  let t = index / (half * p.nHeads);
  let angle = f32(positions[t]) * invFreq[i];
  let turn = sinCos(angle);
  let c = turn.y;
  let s = select(turn.x, -turn.x, p.inverse != 0u);
  let a = t * p.rowStride + p.colOffset + head * p.headDim + i;
  let x1 = x[a];
  let x2 = x[a + half];
  x[a] = x1 * c - x2 * s;
  x[a + half] = x2 * c + x1 * s;
}
