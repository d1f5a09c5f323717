// Sums of one value per invocation over segments of `width` consecutive invocations of a workgroup (the whole
// workgroup when width = WG), through workgroup memory: a tree of log2(width) steps, each adding the upper half
// of a segment onto its lower half, in a fixed order (so a result is the same every run). Every invocation gets
// its segment's total. Segments let one workgroup reduce several short rows at once, sizing the threads to the row
// rather than leaving most of a 256-thread workgroup idle at every barrier. Prepended to a kernel that declares
// WG (its threads, a power of two; a const or an override); `width` is a power of two dividing WG, the same for
// every invocation (a const or an override), and all invocations call it (it has barriers), except with width 1:
// then the sum is the value itself, with no barrier (a row walked by one thread).

var<workgroup> reduceSums: array<f32, WG>;

fn segmentSum(lid: u32, x: f32, width: u32) -> f32 {
  if (width == 1u) { return x; }
  reduceSums[lid] = x;
  workgroupBarrier();
  let lane = lid % width;
  for (var stride = width / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) { reduceSums[lid] += reduceSums[lid + stride]; }
    workgroupBarrier();
  }
  let total = reduceSums[lid - lane];
  workgroupBarrier();
  return total;
}
