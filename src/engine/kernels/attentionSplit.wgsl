// gpu family: decode attention as split-K "flash decoding", pass 1 of 2. Same contract and CPU twin as
// attention.wgsl (causal GQA over each row's key span; o and lse), for the few rows of a decode step.
// A row's keys are cut into chunks of 64; workgroup (chunk, row · head) scores its chunk's keys one per thread
// (q, pre-scaled, sits in workgroup memory), reduces the chunk's max m and sum l = Σ e^{s − m} in workgroup
// memory, then each thread owns head dimensions (neighbouring threads read neighbouring floats of V) and sums
// o = Σ e^{s − m} v over the chunk. (m, l, o) go to partial buffers; attentionCombine.wgsl merges the chunks.
// So a batch-1 step of Qwen2.5-0.5B at 1,024 positions runs 16 chunks × 14 heads × 64 threads, where the
// emulator's kernel runs one thread per head.

override HEAD_DIM: u32 = 64u;
override QUADS: u32 = HEAD_DIM / 4u;

struct Params {
  R: u32, nHeads: u32, nKvHeads: u32, qRowStride: u32, qColOffset: u32,
  kvRowStride: u32, kColOffset: u32, vColOffset: u32, scale: f32, chunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read_write> partO: array<f32>; // [R · nHeads, chunks, HEAD_DIM]
@group(0) @binding(6) var<storage, read_write> partML: array<vec2<f32>>; // [R · nHeads, chunks]

// qs, weights, reduceMax and reduceSum come from attentionChunk.wgsl (prepended).

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let chunk = wg.x;
  let rowHead = wg.y;
  let head = rowHead % p.nHeads;
  let r = rowHead / p.nHeads;
  let kvHead = head / (p.nHeads / p.nKvHeads);
  let span = keys[r];
  let first = chunk * CHUNK;
  let count = min(CHUNK, select(0u, span.y - first, span.y > first));
  let qBase = (r * p.qRowStride + p.qColOffset + head * HEAD_DIM) / 4u;
  for (var i = lid; i < QUADS; i += 64u) { qs[i] = Q[qBase + i] * p.scale; }
  workgroupBarrier();
  var s = NEG;
  if (lid < count) {
    let kBase = ((span.x + first + lid) * p.kvRowStride + p.kColOffset + kvHead * HEAD_DIM) / 4u;
    s = 0.0;
    for (var i = 0u; i < QUADS; i++) { s += dot(qs[i], K[kBase + i]); }
  }
  let m = reduceMax(lid, s);
  let e = select(0.0, exp(s - m), lid < count);
  weights[lid] = e;
  let l = reduceSum(lid, e);
  let part = rowHead * p.chunks + chunk;
  for (var d = lid; d < HEAD_DIM; d += 64u) {
    var o = 0.0;
    let vBase = (span.x + first) * p.kvRowStride + p.vColOffset + kvHead * HEAD_DIM + d;
    for (var j = 0u; j < count; j++) { o += weights[j] * V[vBase + j * p.kvRowStride]; }
    partO[part * HEAD_DIM + d] = o;
  }
  if (lid == 0u) { partML[part] = vec2<f32>(select(NEG, m, count > 0u), l); }
}
