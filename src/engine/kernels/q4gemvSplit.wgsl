// gpu family: decode GEMV over a batch, split along K. Y[B, N] (+)= X[B, K] · dequant(W)ᵀ (+ bias[N]), W an int4
// weight stored [N, K] in MLC's q4 layout (see q4gemv.wgsl, the emulator family's twin: same contract, same CPU
// twin). B ≤ MAX_B ≤ 16; K % 32 == 0; wRowBase skips stored rows (a vocabulary chunk).
//
// A workgroup of THREADS invocations owns COLS output columns and splits their K among its threads: thread t
// reads words t, t + THREADS, ... of each column's row, so neighbouring threads read neighbouring words (one
// coalesced sweep per column), dequantizes each word's 8 weights in registers and multiplies them into all B rows
// (the batch loop reads each weight once for every row). The COLS · MAX_B partial sums of the threads are then
// reduced with subgroupAdd or through workgroup memory (the wrapper prepends splitSumSubgroup.wgsl or
// splitSumWorkgroup.wgsl), and the first COLS · MAX_B threads store. A batch-1 step of Qwen2.5-0.5B's k
// projection (N = 128) launches 32 workgroups · 128 threads, where the emulator's GEMV launches 64 threads.
// ACCUMULATE adds into Y: the residual add that follows o_proj and down_proj is fused into their store.
// SILU_GATE reads X as the fused gate_up product's rows [B, 2K] (gate, then up) and multiplies silu(gate) · up as
// it loads them: the SiLU-gate of the MLP is fused into the down product's prologue.

override MAX_B: u32 = 1u;
override COLS: u32 = 4u;
override ACCUMULATE: bool = false;
override SILU_GATE: bool = false;
override PARTS: u32 = COLS * MAX_B;
const THREADS = 128u;

struct Params { B: u32, N: u32, K: u32, hasBias: u32, wRowBase: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> qweight: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y: array<f32>;

const LO = vec4<u32>(0u, 4u, 8u, 12u);
const HI = vec4<u32>(16u, 20u, 24u, 28u);

fn dequant(q: u32, shifts: vec4<u32>, s: f32) -> vec4<f32> {
  return (vec4<f32>((vec4<u32>(q) >> shifts) & vec4<u32>(15u)) - 7.0) * s;
}

/** Quad q (elements 4q .. 4q + 3) of row b of the product's input. */
fn xQuad(b: u32, q: u32) -> vec4<f32> {
  if (SILU_GATE) {
    let g = X[b * (p.K / 2u) + q];
    return g / (1.0 + exp(-g)) * X[b * (p.K / 2u) + p.K / 4u + q];
  }
  return X[b * (p.K / 4u) + q];
}

@compute @workgroup_size(128)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let c0 = (wg.y * nwg.x + wg.x) * COLS;
  let words = p.K / 8u;
  var part: array<f32, 16>;
  for (var j = 0u; j < COLS; j++) {
    let row = p.wRowBase + min(c0 + j, p.N - 1u);
    for (var w = lid; w < words; w += THREADS) {
      let q = qweight[row * words + w];
      let s = scales[row * (words / 4u) + w / 4u];
      let lo = dequant(q, LO, s);
      let hi = dequant(q, HI, s);
      for (var b = 0u; b < MAX_B; b++) {
        let row = min(b, p.B - 1u);
        part[j * MAX_B + b] += dot(lo, xQuad(row, 2u * w)) + dot(hi, xQuad(row, 2u * w + 1u));
      }
    }
  }
  reduceParts(lid, &part);
  if (lid < PARTS) {
    let col = c0 + lid / MAX_B;
    let b = lid % MAX_B;
    if (col < p.N && b < p.B) {
      var y = parts[lid][0];
      if (p.hasBias != 0u) { y += bias[col]; }
      let at = b * p.N + col;
      if (ACCUMULATE) { y += Y[at]; }
      Y[at] = y;
    }
  }
}
