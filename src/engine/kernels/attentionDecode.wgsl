// gpu family: pass 1 of a fused decode step's attention (pass 2 is attentionCombine.wgsl). Like
// attentionSplit.wgsl, but it reads the step's q, k, v straight from the fused qkv GEMV's output rows and does two
// more ops there, so neither needs a dispatch of its own:
// - RoPE: q is turned as it is loaded into workgroup memory, and the row's new key as it is scored;
// - the KV-cache write: the workgroups of the chunk holding a row's newest position take its key and value from
//   the qkv row rather than the cache, and the first query head of each kv head writes them (turned) into the
//   cache for later steps. Other chunks read only older positions, so nothing reads what is being written.
// QKV [R, qkvStride]: q heads from column 0, k from kvOffset, v from kvOffset + nKvHeads · d. The cache rows are
// [slot · maxPos + position, nKvHeads · d]; keys [R, 2] (a row's newest position is keys.y − 1); invFreq [d/2].

override HEAD_DIM: u32 = 64u;
override QUADS: u32 = HEAD_DIM / 4u;
override HALF: u32 = HEAD_DIM / 2u;

struct Params { R: u32, nHeads: u32, nKvHeads: u32, qkvStride: u32, kvOffset: u32, scale: f32, chunks: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> QKV: array<f32>;
@group(0) @binding(2) var<storage, read_write> K: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
@group(0) @binding(4) var<storage, read> keys: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read> invFreq: array<f32>;
@group(0) @binding(6) var<storage, read_write> partO: array<f32>; // [R · nHeads, chunks, HEAD_DIM]
@group(0) @binding(7) var<storage, read_write> partML: array<vec2<f32>>; // [R · nHeads, chunks]

/** Element i of a head of row r turned by RoPE at `position` (its pair is i ± HALF). */
fn turned(base: u32, i: u32, position: u32) -> f32 {
  let pair = i % HALF;
  let turn = sinCos(f32(position) * invFreq[pair]);
  let x1 = QKV[base + pair];
  let x2 = QKV[base + pair + HALF];
  return select(x2 * turn.y + x1 * turn.x, x1 * turn.y - x2 * turn.x, i < HALF);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let chunk = wg.x;
  let rowHead = wg.y;
  let head = rowHead % p.nHeads;
  let r = rowHead / p.nHeads;
  let group = p.nHeads / p.nKvHeads;
  let kvHead = head / group;
  let kvWidth = p.nKvHeads * HEAD_DIM;
  let span = keys[r];
  let newest = span.y - 1u; // the row's own position: its key and value are in QKV, not yet in the cache
  let first = chunk * CHUNK;
  let count = min(CHUNK, select(0u, span.y - first, span.y > first));
  let qBase = r * p.qkvStride + head * HEAD_DIM;
  let kNew = r * p.qkvStride + p.kvOffset + kvHead * HEAD_DIM;
  let vNew = kNew + kvWidth;
  for (var i = lid; i < HEAD_DIM; i += 64u) { qs[i / 4u][i % 4u] = turned(qBase, i, newest) * p.scale; }
  workgroupBarrier();
  var s = NEG;
  if (lid < count) {
    let j = first + lid;
    s = 0.0;
    if (j == newest) {
      for (var i = 0u; i < HEAD_DIM; i++) { s += qs[i / 4u][i % 4u] * turned(kNew, i, newest); }
    } else {
      let kBase = (span.x + j) * kvWidth + kvHead * HEAD_DIM;
      for (var i = 0u; i < HEAD_DIM; i++) { s += qs[i / 4u][i % 4u] * K[kBase + i]; }
    }
  }
  let m = reduceMax(lid, s);
  let e = select(0.0, exp(s - m), lid < count);
  weights[lid] = e;
  let l = reduceSum(lid, e);
  let part = rowHead * p.chunks + chunk;
  let holdsNewest = newest >= first && newest < first + CHUNK;
  for (var d = lid; d < HEAD_DIM; d += 64u) {
    var o = 0.0;
    let vBase = (span.x + first) * kvWidth + kvHead * HEAD_DIM + d;
    for (var j = 0u; j < count; j++) {
      if (first + j == newest) { o += weights[j] * QKV[vNew + d]; } else { o += weights[j] * V[vBase + j * kvWidth]; }
    }
    partO[part * HEAD_DIM + d] = o;
    if (holdsNewest && head % group == 0u) {
      let at = (span.x + newest) * kvWidth + kvHead * HEAD_DIM + d;
      K[at] = turned(kNew, d, newest);
      V[at] = QKV[vNew + d];
    }
  }
  if (lid == 0u) { partML[part] = vec2<f32>(select(NEG, m, count > 0u), l); }
}
