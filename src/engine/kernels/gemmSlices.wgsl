// gpu family: the second pass of a split product (gemmTiled.wgsl with SPLIT). partials holds `slices` partial
// products [slices, M, N], each over one slice of the reduction; this sums them per element of Y and applies the
// epilogue (gemmEpilogue.wgsl). One thread per element of Y, adjacent threads on adjacent elements.

@group(0) @binding(3) var<storage, read> partials: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  let size = p.M * p.N;
  if (i >= size) { return; }
  var sum = 0.0;
  for (var s = 0u; s < p.slices; s++) { sum += partials[s * size + i]; }
  finish(i, i % p.N, sum);
}
