// Split-K reduction with subgroupAdd (gpu family, where the device has `subgroups`): the same contract as
// splitSumWorkgroup.wgsl (afterwards parts[v][0] holds sum v of the workgroup), in two barriers: each subgroup
// adds its lanes' parts in registers, its first lane stores the subgroup's sums, and thread v adds those.
// Subgroups of a one-dimensional workgroup are taken to be runs of consecutive invocations (as every
// implementation lays them out), so subgroup i is invocations i · size .. (i + 1) · size − 1.

enable subgroups;

var<workgroup> parts: array<array<f32, THREADS>, PARTS>; // sized by the kernel: SwiftShader compiles a large one slowly

fn reduceParts(lid: u32, part: ptr<function, array<f32, 16>>) {
  let size = subgroupAdd(1u);
  let lane = subgroupExclusiveAdd(1u);
  for (var v = 0u; v < PARTS; v++) {
    let sum = subgroupAdd((*part)[v]);
    if (lane == 0u) { parts[v][lid / size] = sum; }
  }
  workgroupBarrier();
  if (lid < PARTS) {
    var total = 0.0;
    for (var i = 0u; i < THREADS / size; i++) { total += parts[lid][i]; }
    parts[lid][0] = total;
  }
  workgroupBarrier();
}
