// Quantizes an f32 weight W [rows, cols] to MLC's q4 layout on the GPU (quantize on load), the twin of
// quantizeQ4 in src/engine/quant/q4.ts:
//   per group of 32 along a row: scale = max|w| · f32(1/7),  code = clamp(round(w / scale) + 7, 0, 14)
//   qweight u32 [rows, cols / 8] (element j of a word at bits 4j..4j+3), scales f32 [rows, cols / 32].
// One thread per group; it writes the group's 4 words and its scale, so no two threads share a word.
// Ties round to even, as numpy, PyTorch and TVM (MLC's quantizer) round. WGSL lets division be off by 2.5 ulp,
// so division only guesses the code: products, correctly rounded on every device and by the CPU twin, settle
// it (code c is the largest with (c − 7.5) · scale <= w, and a w exactly on that boundary is a tie).

struct Dims { groups: u32, groupsPerDim: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> qweight: array<u32>;
@group(0) @binding(3) var<storage, read_write> scales: array<f32>;

fn code(w: f32, scale: f32) -> u32 {
  var c = clamp(floor(w / scale + 7.5), 0.0, 14.0);
  if (c < 14.0 && (c - 6.5) * scale <= w) { c += 1.0; }
  if (c > 0.0 && (c - 7.5) * scale > w) { c -= 1.0; }
  // On a tie w / scale = c − 7.5 exactly, round to the even one of c − 8 and c − 7.
  if (c > 0.0 && (c - 7.5) * scale == w && (u32(c) & 1u) == 0u) { c -= 1.0; }
  return u32(c);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x + gid.y * dims.groupsPerDim;
  if (g >= dims.groups) { return; }
  let start = g * 32u;
  var maxAbs = 0.0;
  for (var i = 0u; i < 32u; i++) { maxAbs = max(maxAbs, abs(W[start + i])); }
  let scale = maxAbs * (1.0 / 7.0);
  scales[g] = scale;
  for (var word = 0u; word < 4u; word++) {
    var packed = 0u;
    for (var j = 0u; j < 8u; j++) {
      var c = 7u;
      if (scale > 0.0) { c = code(W[start + word * 8u + j], scale); }
      packed |= c << (4u * j);
    }
    qweight[g * 4u + word] = packed;
  }
}
