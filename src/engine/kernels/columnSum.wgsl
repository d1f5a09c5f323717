// out[c] += Σ_t a[t, c] · (b[t, c] · r[t] when `product` is set, else 1): the reductions over tokens of the
// backward pass. RMSNorm's weight gradient is dw = Σ_t dy · x · rstd (a = dy, b = x, r = rstd); a linear
// layer's bias gradient is db = Σ_t dy (a = dy). Shapes: a, b [T, C]; r [T]; out [C], accumulated so
// micro-batches sum.
// A workgroup owns 64 columns; its 4 row lanes each walk every 4th row (adjacent threads read adjacent
// columns) and meet in shared memory, so the sum is in a fixed order: no atomics, same result every run.

struct Dims { T: u32, C: u32, product: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> r: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const COLS = 64u;
const LANES = 4u;
var<workgroup> partial: array<array<f32, 64>, 4>;

@compute @workgroup_size(64, 4)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let c = (wg.x + wg.y * nwg.x) * COLS + lid.x;
  var s = 0.0;
  if (c < dims.C) {
    for (var t = lid.y; t < dims.T; t += LANES) {
      let i = t * dims.C + c;
      if (dims.product != 0u) { s += a[i] * b[i] * r[t]; } else { s += a[i]; }
    }
  }
  partial[lid.y][lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && c < dims.C) {
    out[c] += (partial[0][lid.x] + partial[1][lid.x]) + (partial[2][lid.x] + partial[3][lid.x]);
  }
}
