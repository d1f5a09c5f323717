// gpu family: decode attention, pass 2 of 2 (see attentionSplit.wgsl): merges the chunks' partial (m, l, o) of
// each row and head into o = Σ_c e^{m_c − M} o_c / L and lse = M + log L, L = Σ_c e^{m_c − M} l_c, M = max_c m_c.
// Workgroup (block of 16 head dimensions, row · head) gives each dimension 16 lanes that take every 16th chunk,
// and adds the lanes in workgroup memory, so the merge of a long context is spread too.

override HEAD_DIM: u32 = 64u;
const DIMS = 16u;
const LANES = 16u;

struct Params { R: u32, nHeads: u32, chunks: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partO: array<f32>;
@group(0) @binding(2) var<storage, read> partML: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>; // [R, nHeads · HEAD_DIM]
@group(0) @binding(4) var<storage, read_write> lse: array<f32>; // [nHeads, R]

var<workgroup> sums: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let rowHead = wg.y;
  let d = wg.x * DIMS + lid.x;
  let lane = lid.y;
  let base = rowHead * p.chunks;
  var M = -3.0e38;
  for (var c = 0u; c < p.chunks; c++) { M = max(M, partML[base + c].x); }
  var L = 0.0;
  for (var c = 0u; c < p.chunks; c++) { L += exp(partML[base + c].x - M) * partML[base + c].y; }
  var o = 0.0;
  if (d < HEAD_DIM) {
    for (var c = lane; c < p.chunks; c += LANES) { o += exp(partML[base + c].x - M) * partO[(base + c) * HEAD_DIM + d]; }
  }
  sums[lid.x][lane] = o;
  workgroupBarrier();
  if (lane == 0u && d < HEAD_DIM) {
    var total = 0.0;
    for (var i = 0u; i < LANES; i++) { total += sums[lid.x][i]; }
    O[rowHead * HEAD_DIM + d] = total / L;
    if (d == 0u) {
      let head = rowHead % p.nHeads;
      lse[head * p.R + rowHead / p.nHeads] = M + log(L);
    }
  }
}
