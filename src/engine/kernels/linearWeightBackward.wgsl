// Weight gradient of a linear layer y = x Wᵀ:  dW[N, K] += scale · dYᵀ[N, M] · X[M, K], accumulated so
// micro-batches sum. Full training uses it for every weight, LoRA for dA and dB.
//
// Each thread owns an 8 × 8 block of dW (rows n0..n0+7, columns k0..k0+7) in four named mat4x4 accumulators
// and walks all M tokens: per token it loads two quads of dY's row m and two of X's row m and adds their outer
// products, 64 multiply-adds per 4 quad loads. Blocks are numbered along K first and dealt one per thread, so a
// thin dW (LoRA's dA [r, in] and dB [out, r]) idles no thread on blocks past its edge. Like matmul.wgsl, no
// workgroup memory: a version that staged 16-token chunks in shared memory ran 3-4× slower on SwiftShader,
// whose barriers are expensive. A small dW (a 64 × 64 projection is 64 blocks: one workgroup, one CPU core) is
// SLICED over the tokens: workgroup z sums tokens z · mSlice.. of its blocks and stores them, unscaled, to its
// own [N, K] slice of dW (then a partials buffer [slices, N, K]), and gemmSlices.wgsl adds the slices to the
// real dW in a fixed order, so the result is the same every run. DY_VEC4 (N % 4 == 0, dY's binding whole vec4s)
// reads dY's quads as vec4s, X_VEC4 (K % 4 == 0, likewise) X's, each on its own, so a ragged vocabulary's dE
// [V, D] still reads X by quads; otherwise quads are built from scalars, with zeros past the edges. Stores are
// masked.

override DY_VEC4: bool = false;
override X_VEC4: bool = false;
override SLICED: bool = false;

struct Dims { M: u32, N: u32, K: u32, scale: f32, mSlice: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read> dY4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read> X4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dW: array<f32>;

fn scalarAt(i: u32, inside: bool, fromX: bool) -> f32 {
  if (!inside) { return 0.0; }
  if (fromX) { return X[i]; }
  return dY[i];
}

/** Row m of dY (fromX false, width N) or of X (width K), columns c..c+3; c % 4 == 0. */
fn quad(m: u32, c: u32, width: u32, fromX: bool) -> vec4<f32> {
  if ((fromX && X_VEC4) || (!fromX && DY_VEC4)) {
    let i = (m * width + min(c, width - 4u)) / 4u; // a block past the edge reads in range; its stores are masked
    if (fromX) { return X4[i]; }
    return dY4[i];
  }
  let i = m * width + c;
  return vec4<f32>(scalarAt(i, c < width, fromX), scalarAt(i + 1u, c + 1u < width, fromX),
                   scalarAt(i + 2u, c + 2u < width, fromX), scalarAt(i + 3u, c + 3u < width, fromX));
}

/** The outer product of a dY quad g and an X quad x: column j is dW[n + j, k..k+3]. */
fn outer(g: vec4<f32>, x: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(x * g.x, x * g.y, x * g.z, x * g.w);
}

fn addBlock(n: u32, k: u32, acc: mat4x4<f32>, slice: u32) {
  for (var j = 0u; j < 4u; j++) {
    if (n + j >= dims.N) { return; }
    for (var i = 0u; i < 4u; i++) {
      let at = (n + j) * dims.K + k + i;
      if (k + i < dims.K) {
        if (SLICED) { dW[slice * dims.N * dims.K + at] = acc[j][i]; } else { dW[at] += dims.scale * acc[j][i]; }
      }
    }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = gid.y * nwg.x * 64u + gid.x;
  let blocksK = (dims.K + 7u) / 8u;
  if (block >= blocksK * ((dims.N + 7u) / 8u)) { return; }
  let n0 = (block / blocksK) * 8u;
  let k0 = (block % blocksK) * 8u;
  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>(); var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>();
  let slice = gid.z;
  for (var m = slice * dims.mSlice; m < min(dims.M, (slice + 1u) * dims.mSlice); m++) {
    let g0 = quad(m, n0, dims.N, false);
    let g1 = quad(m, n0 + 4u, dims.N, false);
    let x0 = quad(m, k0, dims.K, true);
    let x1 = quad(m, k0 + 4u, dims.K, true);
    acc00 += outer(g0, x0); acc01 += outer(g0, x1);
    acc10 += outer(g1, x0); acc11 += outer(g1, x1);
  }
  addBlock(n0, k0, acc00, slice); addBlock(n0, k0 + 4u, acc01, slice);
  addBlock(n0 + 4u, k0, acc10, slice); addBlock(n0 + 4u, k0 + 4u, acc11, slice);
}
