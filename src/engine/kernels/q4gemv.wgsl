// Decode GEMV over a batch: Y[B, N] = X[B, K] · dequant(W)ᵀ (+ bias[N]), W an int4 weight stored [N, K] in
// MLC's q4 layout (qweight [N, K/8] u32, element j of a word at bits 4j..4j+3; scales [N, K/32] f32;
// w = (code − 7) · scale). K % 32 == 0, B ≤ MAX_B ≤ 32. wRowBase skips stored rows (a vocabulary chunk).
//
// Decode is bound by streaming the weights, so every weight is loaded and dequantized once for all B rows: the
// batch is a loop inside the kernel (MAX_B is a pipeline constant, so the loop has a fixed trip count that
// compilers unroll into registers; rows past B repeat row B − 1 and are not stored).
// Each thread owns QUADS groups of four adjacent columns and walks all of K: per group of 32 it loads one
// vec4<u32> (the whole group's codes) and one scale per column, dequantizes an 8 k × 4 column block per word
// with vector shift/mask ops, and adds block · x_b to each row's vec4 of sums. Each x_b quad it loads feeds
// every quad of columns: at a large batch the x loads cost as much as the weights (on SwiftShader every load
// is a gather), so the wrapper gives a thread two quads there (1.2-1.8× faster measured at B = 16) and one at
// small batches, where the threads, not the loads, are scarce.
// No workgroup memory and no barrier: on SwiftShader a K split reduced through workgroup memory ran 5-7×
// slower than this.

override MAX_B: u32 = 8u;
override QUADS: u32 = 1u; // column quads per thread: 1 or 2

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

/** One quad of columns' words and scales for one group of 32 k. */
struct Quad { w0: vec4<u32>, w1: vec4<u32>, w2: vec4<u32>, w3: vec4<u32>, s: vec4<f32> }

fn quadAt(c: u32, g: u32, groupsPerRow: u32) -> Quad {
  let cols = vec4<u32>(p.wRowBase) + min(vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.N - 1u));
  let group = cols * groupsPerRow + vec4<u32>(g);
  return Quad(qweight[group.x], qweight[group.y], qweight[group.z], qweight[group.w],
              vec4<f32>(scales[group.x], scales[group.y], scales[group.z], scales[group.w]));
}

/** Bᵀ rows k..k+7 over the quad's four columns, from word j (k = 32g + 8j) of each column. */
struct Block { lo: mat4x4<f32>, hi: mat4x4<f32> }

fn blockAt(quad: Quad, j: u32) -> Block {
  let q = vec4<u32>(quad.w0[j], quad.w1[j], quad.w2[j], quad.w3[j]);
  let s = quad.s;
  return Block(
    mat4x4<f32>(codes(q, 0u) * s, codes(q, 4u) * s, codes(q, 8u) * s, codes(q, 12u) * s),
    mat4x4<f32>(codes(q, 16u) * s, codes(q, 20u) * s, codes(q, 24u) * s, codes(q, 28u) * s),
  );
}

// Two named accumulator arrays, not one of 2 × 32: SwiftShader keeps these in registers, but ran a
// two-dimensional version 3× slower.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = (gid.y * nwg.x * 64u + gid.x) * 4u * QUADS;
  if (c >= p.N) { return; }
  let groupsPerRow = p.K / 32u;
  var acc0: array<vec4<f32>, 32>; // acc0[b] = row b's sums for columns c..c+3
  var acc1: array<vec4<f32>, 32>; // and for c+4..c+7 when QUADS == 2
  for (var g = 0u; g < groupsPerRow; g++) {
    let quad0 = quadAt(c, g, groupsPerRow);
    var quad1 = quad0;
    if (QUADS == 2u) { quad1 = quadAt(c + 4u, g, groupsPerRow); }
    for (var j = 0u; j < 4u; j++) {
      let w0 = blockAt(quad0, j);
      var w1 = w0;
      if (QUADS == 2u) { w1 = blockAt(quad1, j); }
      let k4 = g * 8u + j * 2u; // k / 4
      for (var b = 0u; b < MAX_B; b++) {
        let row = min(b, p.B - 1u) * (p.K / 4u) + k4;
        let x0 = X[row];
        let x1 = X[row + 1u];
        acc0[b] += w0.lo * x0 + w0.hi * x1;
        if (QUADS == 2u) { acc1[b] += w1.lo * x0 + w1.hi * x1; }
      }
    }
  }
  for (var b = 0u; b < p.B; b++) {
    for (var q = 0u; q < 4u * QUADS; q++) {
      if (c + q < p.N) {
        var bq = 0.0;
        if (p.hasBias != 0u) { bq = bias[c + q]; }
        Y[b * p.N + c + q] = select(acc0[b][q % 4u], acc1[b][q % 4u], q >= 4u) + bq;
      }
    }
  }
}
