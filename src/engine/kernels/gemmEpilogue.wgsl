// Shared head of gemmTiled.wgsl and gemmSlices.wgsl (their wrapper prepends it): the parameters, the bias, the
// output Y [M, N], and the epilogue that turns a finished sum into an element of Y,
//   Y[i] = scale · sum + bias[col] (+ the Y already there when accumulating).
// kSlice is the reduction length each workgroup of a split product covers; slices how many there are.

struct Params {
  M: u32, N: u32, K: u32, hasBias: u32, wRowBase: u32, scale: f32, accumulate: u32, kSlice: u32, slices: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

fn finish(i: u32, col: u32, sum: f32) {
  var y = p.scale * sum;
  if (p.hasBias != 0u) { y += bias[col]; }
  if (p.accumulate != 0u) { y += Y[i]; }
  Y[i] = y;
}
