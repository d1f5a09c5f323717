// RoPE's (sin, cos) of an angle, shared by rope.wgsl and the gpu family's decode attention. WGSL promises sin/cos
// only to 2^-11 absolute (SwiftShader is off by 2e-4), and positions reach the thousands, so sinCos reduces the
// angle by π/2 split in two parts (Cody-Waite) and evaluates Taylor polynomials on [−π/4, π/4], accurate to f32
// rounding.

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
