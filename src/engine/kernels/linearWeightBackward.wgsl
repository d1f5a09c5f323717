// Weight gradient of a linear layer y = x Wᵀ for full training:  dW[N, K] += scale · dYᵀ[N, M] · X[M, K].
// Same tiling as matmul.wgsl: a workgroup owns a 32×32 tile of dW (32 output features × 32 input features),
// each of its 8×8 threads a 4×4 block in four named vec4 accumulators. The reduction runs over the M tokens in
// chunks of 16; both operands are read along their rows (dY[m, n0..n0+31], X[m, k0..k0+31]), so the loads
// coalesce without a transpose. Edges read zero and stores are masked. Accumulates so micro-batches sum.

struct Dims { M: u32, N: u32, K: u32, scale: f32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> dW: array<f32>;

const TILE = 32u;
const TM = 16u;
var<workgroup> gs: array<array<f32, 32>, 16>; // gs[m][n]
var<workgroup> xs: array<array<f32, 32>, 16>; // xs[m][k]

fn loadDY(m: u32, n: u32) -> f32 {
  if (m < dims.M && n < dims.N) { return dY[m * dims.N + n]; }
  return 0.0;
}
fn loadX(m: u32, k: u32) -> f32 {
  if (m < dims.M && k < dims.K) { return X[m * dims.K + k]; }
  return 0.0;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = wg.y * TILE;
  let k0 = wg.x * TILE;
  let t = lid.y * 8u + lid.x;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var m0 = 0u; m0 < dims.M; m0 += TM) {
    for (var i = 0u; i < 8u; i++) {
      let e = t + i * 64u;
      let r = e / TILE;
      let c = e % TILE;
      gs[r][c] = loadDY(m0 + r, n0 + c);
      xs[r][c] = loadX(m0 + r, k0 + c);
    }
    workgroupBarrier();
    for (var m = 0u; m < TM; m++) {
      let g = vec4<f32>(gs[m][lid.y * 4u], gs[m][lid.y * 4u + 1u], gs[m][lid.y * 4u + 2u], gs[m][lid.y * 4u + 3u]);
      let xv = vec4<f32>(xs[m][lid.x * 4u], xs[m][lid.x * 4u + 1u], xs[m][lid.x * 4u + 2u], xs[m][lid.x * 4u + 3u]);
      acc0 += g.x * xv;
      acc1 += g.y * xv;
      acc2 += g.z * xv;
      acc3 += g.w * xv;
    }
    workgroupBarrier();
  }
  let nBase = n0 + lid.y * 4u;
  let kBase = k0 + lid.x * 4u;
  addRow(nBase, kBase, acc0);
  addRow(nBase + 1u, kBase, acc1);
  addRow(nBase + 2u, kBase, acc2);
  addRow(nBase + 3u, kBase, acc3);
}

fn addRow(n: u32, k: u32, v: vec4<f32>) {
  if (n >= dims.N) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (k + j < dims.K) { dW[n * dims.K + k + j] += dims.scale * v[j]; }
  }
}
