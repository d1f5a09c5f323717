// Writes the new tokens' keys and values into a layer's KV cache. The cache of a layer is a K and a V buffer,
// each [slots, maxPos, nKvHeads · d] f32 (row slot · maxPos + position); the whole cache is one such pair per
// layer, i.e. [layers][slots][positions][nKvHeads · d].
// Row r of the source goes to cache row keys[r].x + keys[r].y − 1: the last key of its own span, the same
// table attention.wgsl reads (see cacheKeys). Source: [R, srcRowStride], K from column kColOffset and V from
// vColOffset (both may sit in one fused qkv row). One thread per float of the kv width.

struct Params { R: u32, kvDim: u32, srcRowStride: u32, kColOffset: u32, vColOffset: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> kSrc: array<f32>;
@group(0) @binding(2) var<storage, read> vSrc: array<f32>;
@group(0) @binding(3) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(4) var<storage, read_write> kCache: array<f32>;
@group(0) @binding(5) var<storage, read_write> vCache: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.y * nwg.x * 64u + gid.x;
  if (index >= p.R * p.kvDim) { return; }
  let r = index / p.kvDim;
  let c = index % p.kvDim;
  let span = keys[r];
  let dst = (span.x + span.y - 1u) * p.kvDim + c;
  kCache[dst] = kSrc[r * p.srcRowStride + p.kColOffset + c];
  vCache[dst] = vSrc[r * p.srcRowStride + p.vColOffset + c];
}
