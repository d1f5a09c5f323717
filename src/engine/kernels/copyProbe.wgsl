// The memory-bandwidth probe: a streaming copy, dst = src, one vec4 per thread per round, consecutive threads
// on consecutive vec4s (fully coalesced), grid-strided so any size fits the dispatch. bytes read + written over
// the time is the adapter's own memory bandwidth, which the decode GEMV (bandwidth-bound) is judged against.

struct Params { count: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let stride = nwg.x * 256u;
  for (var i = gid.x; i < p.count; i += stride) {
    dst[i] = src[i];
  }
}
