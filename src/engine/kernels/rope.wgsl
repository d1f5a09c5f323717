// Rotary position embedding, rotate-half convention, in place: in each head of each row, the pair (i, i + d/2)
// turns by the angle positions[t] · invFreq[i] (by its negative when `inverse` is set: the backward).
// Shapes: x [T, rowStride], whose heads start at column colOffset (so q and k can be turned inside a fused qkv
// row); positions [T] u32; invFreq [d/2] (llama3 scaling already folded in on the CPU).
// The angle is the f32 product, as Hugging Face forms it. WGSL promises sin/cos only to 2^-11 absolute (SwiftShader
// is off by 2e-4), and positions reach the thousands, so sinCos reduces the angle by π/2 split in two parts
// (Cody-Waite) and evaluates Taylor polynomials on [−π/4, π/4], accurate to f32 rounding.

struct Params { T: u32, nHeads: u32, headDim: u32, rowStride: u32, colOffset: u32, inverse: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<u32>;
@group(0) @binding(3) var<storage, read> invFreq: array<f32>;

const HALF_PI_HI = 1.5703125; // 8 significant bits: n · HALF_PI_HI is exact for n < 2^16 (angles < 100,000)
const HALF_PI_LO = 0.00048382679489661923;
const TWO_OVER_PI = 0.6366197723675814;

/** (sin a, cos a) for a ≥ 0. */
fn sinCos(a: f32) -> vec2<f32> {
  let n = round(a * TWO_OVER_PI);
  let y = (a - n * HALF_PI_HI) - n * HALF_PI_LO; // |y| ≤ π/4
  let y2 = y * y;
  let s = y * (1.0 + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 * (1.0 / 362880.0)))));
  let c = 1.0 + y2 * (-0.5 + y2 * (1.0 / 24.0 + y2 * (-1.0 / 720.0 + y2 * (1.0 / 40320.0 + y2 * (-1.0 / 3628800.0)))));
  switch (u32(n) % 4u) {
    case 0u: { return vec2<f32>(s, c); }
    case 1u: { return vec2<f32>(c, -s); }
    case 2u: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}

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
