// The FMA probe: each thread runs ITERS rounds of 8 independent fused multiply-adds on vec4s
// (8 × 4 × 2 = 64 FLOP per round), so the measured rate approaches the device's arithmetic peak.
// The result is written out only so the compiler cannot drop the loop.

override ITERS: u32 = 1024u;

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let s = f32(i) * 1e-7;
  var a0 = vec4<f32>(s, s + 1.0, s + 2.0, s + 3.0);
  var a1 = a0 + 0.1; var a2 = a0 + 0.2; var a3 = a0 + 0.3;
  var a4 = a0 + 0.4; var a5 = a0 + 0.5; var a6 = a0 + 0.6; var a7 = a0 + 0.7;
  let m = vec4<f32>(0.9999);
  let c = vec4<f32>(1e-4);
  for (var k = 0u; k < ITERS; k++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  out[i] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}
