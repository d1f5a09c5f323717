// The LoRA side path for one row at a time, written for a small rank r: a workgroup owns row t, reduces
// u_t = c1 · W1 x_t (r dot products of length K) into workgroup memory, then adds c2 · W2 u_t to Y's row.
// The same kernel runs both directions by reading W1 and W2 through strides:
//   forward : X = x [T, in],  W1(j, k) = A[j, k],  c1 = 1, U = u  [T, r], W2(n, j) = B[n, j], c2 = s, Y = y
//   backward: X = dy [T, out], W1(j, k) = B[k, j], c1 = s, U = du [T, r], W2(n, j) = A[j, n], c2 = 1, Y = dx
// Y is accumulated (+=): the base projection has already written its own term. U is written, not accumulated.
// Four j are reduced at once in a vec4, so the tree reduction runs r/4 times per row instead of r.

struct Dims {
  T: u32, K: u32, N: u32, R: u32,
  w1J: u32, w1K: u32, w2N: u32, w2J: u32,
  c1: f32, c2: f32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W1: array<f32>;
@group(0) @binding(3) var<storage, read> W2: array<f32>;
@group(0) @binding(4) var<storage, read_write> U: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y: array<f32>;

const WG = 64u;
const MAX_RANK = 256u;
var<workgroup> partial: array<vec4<f32>, 64>;
var<workgroup> urow: array<f32, MAX_RANK>;

fn w1(j: u32, k: u32) -> f32 {
  if (j < dims.R) { return W1[j * dims.w1J + k * dims.w1K]; }
  return 0.0;
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) tid: u32,
) {
  let t = wg.x + wg.y * nwg.x; // the grid is folded into 2-D when T > 65,535
  if (t >= dims.T) { return; }
  let xBase = t * dims.K;
  for (var j0 = 0u; j0 < dims.R; j0 += 4u) {
    var acc = vec4<f32>(0.0);
    for (var k = tid; k < dims.K; k += WG) {
      acc += X[xBase + k] * vec4<f32>(w1(j0, k), w1(j0 + 1u, k), w1(j0 + 2u, k), w1(j0 + 3u, k));
    }
    partial[tid] = acc;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
      if (tid < stride) { partial[tid] += partial[tid + stride]; }
      workgroupBarrier();
    }
    if (tid < 4u && j0 + tid < dims.R) {
      let v = dims.c1 * partial[0][tid];
      urow[j0 + tid] = v;
      U[t * dims.R + j0 + tid] = v;
    }
    workgroupBarrier();
  }
  for (var n = tid; n < dims.N; n += WG) {
    var s = 0.0;
    for (var j = 0u; j < dims.R; j++) { s += urow[j] * W2[n * dims.w2N + j * dims.w2J]; }
    Y[t * dims.N + n] += dims.c2 * s;
  }
}
