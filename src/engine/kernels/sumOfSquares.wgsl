// out[outIndex + w] = Σ over workgroup w's share of x of (x² when `square` is set, else x): one stage of the
// global gradient norm. Stage 1 runs once per gradient buffer, each workgroup writing its partial sum of
// squares to its own slot; stage 2 runs one workgroup over the partials with `square` off. A fixed
// grid-stride order and a tree in shared memory (reduce.wgsl) make the result the same every run (no float atomics exist).
// Shapes: x [count]; out [≥ outIndex + number of workgroups].

struct Dims { count: u32, outIndex: u32, square: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  var s = 0.0;
  for (var i = wg.x * WG + lid; i < dims.count; i += nwg.x * WG) {
    let v = x[i];
    if (dims.square != 0u) { s += v * v; } else { s += v; }
  }
  let total = segmentSum(lid, s, WG);
  if (lid == 0u) { out[dims.outIndex + wg.x] = total; }
}
