// Quantizes an f32 weight W [rows, cols] to MLC's q4 layout on the GPU (quantize on load), the twin of
// quantizeQ4 in src/engine/quant/q4.ts:
//   per group of 32 along a row: scale = max|w| / 7,  code = clamp(round(w / scale + 7), 0, 14)
//   qweight u32 [rows, cols / 8] (element j of a word at bits 4j..4j+3), scales f32 [rows, cols / 32].
// One thread per group; it writes the group's 4 words and its scale, so no two threads share a word.
// The CPU rounds half away from zero (Math.round on w/scale + 7 >= 0); WGSL's round() is half-to-even, so
// the kernel uses floor(x + 0.5) to match.

struct Dims { groups: u32, groupsPerDim: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> qweight: array<u32>;
@group(0) @binding(3) var<storage, read_write> scales: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x + gid.y * dims.groupsPerDim;
  if (g >= dims.groups) { return; }
  let start = g * 32u;
  var maxAbs = 0.0;
  for (var i = 0u; i < 32u; i++) { maxAbs = max(maxAbs, abs(W[start + i])); }
  let scale = maxAbs / 7.0;
  scales[g] = scale;
  for (var word = 0u; word < 4u; word++) {
    var packed = 0u;
    for (var j = 0u; j < 8u; j++) {
      var code = 7u;
      if (scale > 0.0) { code = u32(clamp(floor(W[start + word * 8u + j] / scale + 7.5), 0.0, 14.0)); }
      packed |= code << (4u * j);
    }
    qweight[g * 4u + word] = packed;
  }
}
