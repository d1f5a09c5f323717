// Shared by the gpu family's decode attention kernels (attentionSplit.wgsl, attentionDecode.wgsl): a chunk of
// 64 keys per workgroup, q in workgroup memory, and the chunk's max and sum reduced through workgroup memory.

const CHUNK = 64u;
const NEG = -3.0e38; // a finite "minus infinity": e^{NEG − s} is 0 without inf − inf = NaN

var<workgroup> qs: array<vec4<f32>, 32>;
var<workgroup> weights: array<f32, 64>;
var<workgroup> red: array<f32, 64>;

fn reduceMax(lid: u32, x: f32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] = max(red[lid], red[lid + stride]); }
    workgroupBarrier();
  }
  let out = red[0];
  workgroupBarrier();
  return out;
}

fn reduceSum(lid: u32, x: f32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] += red[lid + stride]; }
    workgroupBarrier();
  }
  let out = red[0];
  workgroupBarrier();
  return out;
}
