// Shared by the gpu family's flash-attention kernels (attentionFlash.wgsl, attentionFlashQuery.wgsl,
// attentionFlashKeyValue.wgsl; the wrapper prepends this file to each). A workgroup owns ROWS = 16 rows of one
// head: query rows (forward, dQ) or key rows (dK, dV). Each row gets LANES = 4 threads, and lane l keeps quads
// l, l + 4, l + 8, ... of the row's head vectors in registers (at most SLICE = 8 vec4 per vector at d = 128, so
// nothing spills), while the workgroup streams tiles of TILE partner rows through workgroup memory, loaded by
// all 64 threads with neighbouring threads reading neighbouring quads. A dot product between a row and a tile
// row is then four lane partials, summed through workgroup memory (`partial`), so a score costs each thread
// d / 4 multiply-adds and no thread walks a whole head alone. TILE (the wrapper's pick) is the largest of
// 32, 16, 8, 4 whose workgroup memory fits the device's maxComputeWorkgroupStorageSize.

override HEAD_DIM: u32 = 64u;
override QUADS: u32 = HEAD_DIM / 4u;
override TILE: u32 = 16u;
const ROWS = 16u;
const LANES = 4u;
const SLICE = 8u;
const NEG = -3.0e38; // a finite "minus infinity": e^{NEG − s} is 0 without inf − inf = NaN

struct Dims {
  R: u32, nHeads: u32, nKvHeads: u32, qRowStride: u32, qColOffset: u32,
  kvRowStride: u32, kColOffset: u32, vColOffset: u32, dvInDk: u32, scale: f32,
}

/** Quad `t` of a lane's slice: the head's quad lane + t · LANES (check it against QUADS). */
fn quadOf(lane: u32, t: u32) -> u32 {
  return lane + t * LANES;
}
/** First quad of head `head` of row `row` of a q-shaped buffer (Q, dQ). */
fn qQuad(d: Dims, row: u32, head: u32) -> u32 {
  return (row * d.qRowStride + d.qColOffset + head * HEAD_DIM) / 4u;
}
/** ... of a k- or v-shaped buffer whose head columns start at `colOffset`. */
fn kvQuad(d: Dims, row: u32, head: u32, colOffset: u32) -> u32 {
  return (row * d.kvRowStride + colOffset + head * HEAD_DIM) / 4u;
}
/** ... of an o-shaped buffer [rows, nHeads · d] (O, dO). */
fn oQuad(d: Dims, row: u32, head: u32) -> u32 {
  return (row * d.nHeads + head) * QUADS;
}
