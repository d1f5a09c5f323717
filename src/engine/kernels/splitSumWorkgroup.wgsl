// Split-K reduction through workgroup memory (gpu family, for adapters without `subgroups`, and tested on all):
// each of the THREADS invocations holds PARTS partial sums; afterwards parts[v][0] holds sum v of the workgroup.
// A tree of log2(THREADS) barriers reduces every part at once (adds over the lower half, then its lower half...).
// Prepended to a kernel that declares THREADS (a const power of two ≤ 256) and PARTS (an override, ≤ MAX_PARTS).

var<workgroup> parts: array<array<f32, THREADS>, PARTS>; // sized by the kernel: SwiftShader compiles a large one slowly

fn reduceParts(lid: u32, part: ptr<function, array<f32, 16>>) {
  for (var v = 0u; v < PARTS; v++) { parts[v][lid] = (*part)[v]; }
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      for (var v = 0u; v < PARTS; v++) { parts[v][lid] += parts[v][lid + stride]; }
    }
    workgroupBarrier();
  }
}
