// One stage of the global gradient norm: each SEGMENT threads of a workgroup write one partial sum, over their
// grid-stride share of x, of x² when `square` is set, else of x. Stage 1 runs once per gradient buffer, writing
// its partials to its own slots of `out` from outIndex on; stage 2 runs one workgroup (SEGMENT = WG) over all the
// partials with `square` off. The gpu family's stage 1 reduces a whole workgroup (SEGMENT = WG = 256) in shared
// memory; the emulator family's lets every thread write its own partial (SEGMENT = 1: no barrier, which
// SwiftShader pays dearly for), so stage 2 sums 64 times as many. A fixed grid-stride order and a fixed tree
// (reduce.wgsl) make the result the same every run (no float atomics exist).
// Shapes: x [count]; out [≥ outIndex + workgroups · WG / SEGMENT].

struct Dims { count: u32, outIndex: u32, square: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 256u; // threads per workgroup, a power of two
override SEGMENT: u32 = 256u; // threads per partial, a power of two dividing WG

@compute @workgroup_size(WG)
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
  let total = segmentSum(lid, s, SEGMENT);
  if (lid % SEGMENT == 0u) { out[dims.outIndex + (wg.x * WG + lid) / SEGMENT] = total; }
}
