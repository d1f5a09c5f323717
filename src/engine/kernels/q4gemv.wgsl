// Decode GEMV over a batch: Y[B, N] = X[B, K] · dequant(W)ᵀ (+ bias[N]), W an int4 weight stored [N, K] in
// MLC's q4 layout (qweight [N, K/8] u32, element j of a word at bits 4j..4j+3; scales [N, K/32] f32;
// w = (code − 7) · scale). K % 32 == 0, B ≤ MAX_B ≤ 32. wRowBase skips stored rows (a vocabulary chunk).
//
// Decode is bound by streaming the weights, so every weight is loaded and dequantized once for all B rows: the
// batch is a loop inside the kernel (MAX_B is a pipeline constant, so the loop has a fixed trip count that
// compilers unroll into registers; rows past B repeat row B − 1 and are not stored).
// Each thread owns four adjacent columns and walks all of K: per group of 32 it loads one vec4<u32> (the whole
// group's codes) and one scale per column, dequantizes an 8 k × 4 column block per word with vector
// shift/mask ops, and adds block · x_b to each row's vec4 of sums. No workgroup memory and no barrier: on
// SwiftShader a K split reduced through workgroup memory ran 5-7× slower than this.

override MAX_B: u32 = 8u;

struct Params { B: u32, N: u32, K: u32, hasBias: u32, wRowBase: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> qweight: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y: array<f32>;

fn codes(words: vec4<u32>, shift: u32) -> vec4<f32> {
  return vec4<f32>((words >> vec4<u32>(shift)) & vec4<u32>(15u)) - 7.0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = (gid.y * nwg.x * 64u + gid.x) * 4u;
  if (c >= p.N) { return; }
  let cols = vec4<u32>(p.wRowBase) + min(vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.N - 1u));
  let groupsPerRow = p.K / 32u;
  var acc: array<vec4<f32>, 32>; // acc[b] = row b's sums for the four columns
  for (var g = 0u; g < groupsPerRow; g++) {
    let group = cols * groupsPerRow + vec4<u32>(g);
    let w0 = qweight[group.x]; let w1 = qweight[group.y]; let w2 = qweight[group.z]; let w3 = qweight[group.w];
    let s = vec4<f32>(scales[group.x], scales[group.y], scales[group.z], scales[group.w]);
    for (var j = 0u; j < 4u; j++) {
      let q = vec4<u32>(w0[j], w1[j], w2[j], w3[j]); // word j (k = 32g + 8j ..) of each column
      let lo = mat4x4<f32>(codes(q, 0u) * s, codes(q, 4u) * s, codes(q, 8u) * s, codes(q, 12u) * s);
      let hi = mat4x4<f32>(codes(q, 16u) * s, codes(q, 20u) * s, codes(q, 24u) * s, codes(q, 28u) * s);
      let k4 = g * 8u + j * 2u; // k / 4
      for (var b = 0u; b < MAX_B; b++) {
        let row = min(b, p.B - 1u) * (p.K / 4u) + k4;
        acc[b] += lo * X[row] + hi * X[row + 1u];
      }
    }
  }
  for (var b = 0u; b < p.B; b++) {
    for (var q = 0u; q < 4u; q++) {
      if (c + q < p.N) {
        var bq = 0.0;
        if (p.hasBias != 0u) { bq = bias[c + q]; }
        Y[b * p.N + c + q] = acc[b][q] + bq;
      }
    }
  }
}
