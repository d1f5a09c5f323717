// Shared head of matmul.wgsl and q4matmul.wgsl (their wrappers prepend it): the parameters, the bias and the
// output Y [M, N], and the masked store of one thread's 4 × 4 block of Y,
//   Y[r + i, c + q] = scale · acc[i][q] + bias[c + q] (+ the Y already there when accumulating).

struct Params { M: u32, N: u32, K: u32, hasBias: u32, wRowBase: u32, scale: f32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

fn storeBlock(r: u32, c: u32, acc: mat4x4<f32>) {
  for (var i = 0u; i < 4u; i++) {
    if (r + i >= p.M) { return; }
    for (var q = 0u; q < 4u; q++) {
      let col = c + q;
      if (col < p.N) {
        var b = 0.0;
        if (p.hasBias != 0u) { b = bias[col]; }
        let y = p.scale * acc[i][q] + b;
        Y[(r + i) * p.N + col] = select(y, Y[(r + i) * p.N + col] + y, p.accumulate != 0u);
      }
    }
  }
}
