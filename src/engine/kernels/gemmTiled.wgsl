// gpu family: the tiled GEMM of prefill and training. Y[M, N] = scale · A[M, K] · B[K, N] (+ bias[N]) (+ Y), f32
// sums whatever the operands' storage:
//   A_T = false: A is X [M, K] row-major (activations; dy for an input gradient).
//   A_T = true:  A is stored [K, M] and read transposed: dYᵀ of a weight gradient dW = dYᵀ X, whose reduction
//                runs over tokens.
//   B_KN = false: W [N, K] (a linear layer's [out, in]), B = Wᵀ: the forward y = x Wᵀ; wRowBase skips stored rows
//                 (a vocabulary chunk of an embedding multiplies in place).
//   B_KN = true:  W [K, N], B = W: the input gradient dx = dy W, and X of a weight gradient.
//   B_FORMAT: 0 f32; 1 f16 and 2 bf16, packed two to a u32 (element i is half i % 2 of word i / 2, lowest first);
//             3 q4 in MLC's layout (a stored row's words hold 8 codes each, lowest bits first, one f32 scale per
//             32 codes, w = (code − 7) · scale), which needs the stored rows' length % 32 == 0.
// The same products as matmul.wgsl, q4matmul.wgsl and linearWeightBackward.wgsl (the emulator family), with
// their CPU twins.
//
// A workgroup of 256 threads owns a 64 × 64 tile of Y and walks its K in steps of 16: the threads first copy a
// 64 × 16 block of A and a 16 × 64 block of B into workgroup memory (4 elements each for dense operands), then
// each thread multiplies its 4 × 4 register block (rows 4·ty.., columns 4·tx..) out of them: per k one vec4 of A
// (four rows) and one vec4 of B (four columns) feed 16 multiply-adds, so each element loaded from storage is
// reused 64 times. The copies are coalesced: element idx of a block goes to thread idx % 256 with idx running
// along whichever axis the operand is contiguous in (k for X and NK weights, m or n for transposed A and KN
// weights). A q4 block is 128 words: a thread reads one word and dequantizes its 8 codes with one scale (a
// 16-step never straddles a group of 32). Each block is stored k-major, a k-row of 64 elements padded to 68
// floats, so the vec4 reads of the inner loop are aligned and the k-strided writes of a copy hit different
// banks (64 would put them all on one). Elements past M, N or the slice's end of K are loaded as zeros, and
// stores are masked, so any shape works.
//
// SPLIT: a product with too few tiles to fill a GPU (LoRA's thin products: [T, 16] outputs, [16, in] weight
// gradients) spreads K over workgroup z: each covers kSlice of it and writes its raw partial tile into
// Y[z, M, N] (a scratch buffer), and gemmSlices.wgsl sums the slices and applies the epilogue.

override A_T: bool = false;
override B_KN: bool = false;
override B_FORMAT: u32 = 0u;
override SPLIT: bool = false;

const TILE = 64u;
const KSTEP = 16u;
const THREADS = 256u;
const ROW = 17u; // vec4s per k-row of a block: 16 and one of padding

// Params, bias, Y and finish come from gemmEpilogue.wgsl.
@group(0) @binding(3) var<storage, read> A: array<f32>;
@group(0) @binding(4) var<storage, read> Bf: array<f32>;
@group(0) @binding(5) var<storage, read> Bu: array<u32>;
@group(0) @binding(6) var<storage, read> scales: array<f32>;

var<workgroup> As: array<vec4<f32>, 272>; // [KSTEP][ROW]: As[k · ROW + m / 4][m % 4]
var<workgroup> Bs: array<vec4<f32>, 272>; // [KSTEP][ROW]: Bs[k · ROW + n / 4][n % 4]

fn aAt(m: u32, k: u32, kEnd: u32) -> f32 {
  if (m >= p.M || k >= kEnd) { return 0.0; }
  if (A_T) { return A[k * p.M + m]; }
  return A[m * p.K + k];
}

/** Element i of a dense W, widened to f32. */
fn denseW(i: u32) -> f32 {
  if (B_FORMAT == 0u) { return Bf[i]; }
  let word = Bu[i / 2u];
  if (B_FORMAT == 1u) { return unpack2x16float(word)[i % 2u]; }
  return bitcast<f32>(select(word << 16u, word & 0xffff0000u, i % 2u == 1u)); // bf16 is the top half of an f32
}

fn bAt(k: u32, n: u32, kEnd: u32) -> f32 {
  if (n >= p.N || k >= kEnd) { return 0.0; }
  if (B_KN) { return denseW(k * p.N + n); }
  return denseW((p.wRowBase + n) * p.K + k);
}

fn putA(k: u32, m: u32, v: f32) { As[k * ROW + m / 4u][m % 4u] = v; }
fn putB(k: u32, n: u32, v: f32) { Bs[k * ROW + n / 4u][n % 4u] = v; }

/** Position in a block of element idx: (k, m or n), running along the operand's contiguous axis. */
fn place(idx: u32, alongK: bool) -> vec2<u32> {
  if (alongK) { return vec2<u32>(idx % KSTEP, idx / KSTEP); }
  return vec2<u32>(idx / TILE, idx % TILE);
}

fn loadA(t: u32, m0: u32, k0: u32, kEnd: u32) {
  for (var i = 0u; i < TILE * KSTEP / THREADS; i++) {
    let at = place(t + i * THREADS, !A_T);
    putA(at.x, at.y, aAt(m0 + at.y, k0 + at.x, kEnd));
  }
}

/** The 8 codes of a q4 word times its scale. */
fn dequant(word: u32, scale: f32) -> array<f32, 8> {
  var w: array<f32, 8>;
  for (var j = 0u; j < 8u; j++) { w[j] = (f32((word >> (4u * j)) & 15u) - 7.0) * scale; }
  return w;
}

/** NK q4: thread t < 128 takes word t % 2 of stored row n0 + t / 2 (k0..k0+15 is two words of one group). */
fn loadQ4NK(t: u32, n0: u32, k0: u32, kEnd: u32) {
  if (t >= TILE * 2u) { return; }
  let n = t / 2u;
  let k = (t % 2u) * 8u;
  let row = p.wRowBase + n0 + n;
  var w: array<f32, 8>; // zeros past N or the slice
  if (n0 + n < p.N && k0 + k < kEnd) {
    w = dequant(Bu[row * (p.K / 8u) + (k0 + k) / 8u], scales[row * (p.K / 32u) + (k0 + k) / 32u]);
  }
  for (var j = 0u; j < 8u; j++) { putB(k + j, n, w[j]); }
}

/** KN q4: thread t < 128 takes word t % 8 of stored row k0 + t / 8: columns n0 + 8·(t % 8).. (N % 32 == 0). */
fn loadQ4KN(t: u32, n0: u32, k0: u32, kEnd: u32) {
  if (t >= KSTEP * 8u) { return; }
  let k = t / 8u;
  let n = (t % 8u) * 8u;
  var w: array<f32, 8>;
  if (n0 + n < p.N && k0 + k < kEnd) {
    let col = n0 + n;
    w = dequant(Bu[(k0 + k) * (p.N / 8u) + col / 8u], scales[(k0 + k) * (p.N / 32u) + col / 32u]);
  }
  Bs[k * ROW + n / 4u] = vec4<f32>(w[0], w[1], w[2], w[3]);
  Bs[k * ROW + n / 4u + 1u] = vec4<f32>(w[4], w[5], w[6], w[7]);
}

fn loadB(t: u32, n0: u32, k0: u32, kEnd: u32) {
  if (B_FORMAT == 3u) {
    if (B_KN) { loadQ4KN(t, n0, k0, kEnd); } else { loadQ4NK(t, n0, k0, kEnd); }
    return;
  }
  for (var i = 0u; i < TILE * KSTEP / THREADS; i++) {
    let at = place(t + i * THREADS, !B_KN);
    putB(at.x, at.y, bAt(k0 + at.x, n0 + at.y, kEnd));
  }
}

/** Column c of Y over rows r..r+3: the epilogue, or (SPLIT) the raw partial of this slice. */
fn storeColumn(r: u32, c: u32, slice: u32, sums: vec4<f32>) {
  if (c >= p.N) { return; }
  for (var i = 0u; i < 4u; i++) {
    if (r + i >= p.M) { return; }
    let at = (r + i) * p.N + c;
    if (SPLIT) { Y[slice * p.M * p.N + at] = sums[i]; } else { finish(at, c, sums[i]); }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let m0 = wg.y * TILE;
  let n0 = wg.x * TILE;
  let kBegin = wg.z * p.kSlice;
  let kEnd = min(p.K, kBegin + p.kSlice);
  let tx = t % 16u;
  let ty = t / 16u;
  // acc{j}: column n0 + 4·tx + j over rows m0 + 4·ty..+3.
  var acc0 = vec4<f32>(); var acc1 = vec4<f32>(); var acc2 = vec4<f32>(); var acc3 = vec4<f32>();
  for (var k0 = kBegin; k0 < kEnd; k0 += KSTEP) {
    loadA(t, m0, k0, kEnd);
    loadB(t, n0, k0, kEnd);
    workgroupBarrier();
    for (var k = 0u; k < KSTEP; k++) {
      let a = As[k * ROW + ty];
      let b = Bs[k * ROW + tx];
      acc0 += a * b.x; acc1 += a * b.y; acc2 += a * b.z; acc3 += a * b.w;
    }
    workgroupBarrier();
  }
  let r = m0 + 4u * ty;
  let c = n0 + 4u * tx;
  storeColumn(r, c, wg.z, acc0); storeColumn(r, c + 1u, wg.z, acc1);
  storeColumn(r, c + 2u, wg.z, acc2); storeColumn(r, c + 3u, wg.z, acc3);
}
