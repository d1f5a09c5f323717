// Y[M, N] = X[M, K] · W[N, K]ᵀ (+ bias[N]) in f32: the linear layer in Hugging Face's [out, in] layout.
// Each workgroup computes a 32×32 tile of Y; each of its 8×8 threads a 4×4 block held in four named vec4
// accumulators (an array could spill to memory). X and W tiles of 32×16 are staged in workgroup memory.
// Shapes need not be multiples of the tile: loads outside the matrix read zero, stores are masked.

struct Dims { M: u32, N: u32, K: u32, hasBias: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

const TILE = 32u;
const TK = 16u;
var<workgroup> xs: array<array<f32, 32>, 16>; // xs[k][m]
var<workgroup> ws: array<array<f32, 32>, 16>; // ws[k][n]

fn loadX(m: u32, k: u32) -> f32 {
  if (m < dims.M && k < dims.K) { return X[m * dims.K + k]; }
  return 0.0;
}
fn loadW(n: u32, k: u32) -> f32 {
  if (n < dims.N && k < dims.K) { return W[n * dims.K + k]; }
  return 0.0;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wg.y * TILE;
  let n0 = wg.x * TILE;
  let t = lid.y * 8u + lid.x; // 0..63
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < dims.K; k0 += TK) {
    // 64 threads stage 32×16 values of each operand: 8 each.
    for (var i = 0u; i < 8u; i++) {
      let e = t + i * 64u;
      let r = e / TK;
      let c = e % TK;
      xs[c][r] = loadX(m0 + r, k0 + c);
      ws[c][r] = loadW(n0 + r, k0 + c);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let a = vec4<f32>(xs[k][lid.y * 4u], xs[k][lid.y * 4u + 1u], xs[k][lid.y * 4u + 2u], xs[k][lid.y * 4u + 3u]);
      let b = vec4<f32>(ws[k][lid.x * 4u], ws[k][lid.x * 4u + 1u], ws[k][lid.x * 4u + 2u], ws[k][lid.x * 4u + 3u]);
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
    }
    workgroupBarrier();
  }
  let mBase = m0 + lid.y * 4u;
  let nBase = n0 + lid.x * 4u;
  storeRow(mBase, nBase, acc0);
  storeRow(mBase + 1u, nBase, acc1);
  storeRow(mBase + 2u, nBase, acc2);
  storeRow(mBase + 3u, nBase, acc3);
}

fn storeRow(m: u32, n: u32, v: vec4<f32>) {
  if (m >= dims.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    let col = n + j;
    if (col < dims.N) {
      var b = 0.0;
      if (dims.hasBias != 0u) { b = bias[col]; }
      Y[m * dims.N + col] = v[j] + b;
    }
  }
}
