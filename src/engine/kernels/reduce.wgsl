// The sum of one value per invocation over a workgroup, through workgroup memory: a tree of log2(WG) steps, each
// adding the upper half onto the lower half, in a fixed order (so a result is the same every run). Every
// invocation gets the total. Prepended to a kernel that declares WG (its threads, a power of two; a const or an
// override), whose invocations all call it (it has barriers).

var<workgroup> reduceSums: array<f32, WG>;

fn workgroupSum(lid: u32, x: f32) -> f32 {
  reduceSums[lid] = x;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { reduceSums[lid] += reduceSums[lid + stride]; }
    workgroupBarrier();
  }
  let total = reduceSums[0];
  workgroupBarrier();
  return total;
}
