// Online log-sum-exp across vocabulary chunks, so full [T, V] logits never exist: for one chunk of logits
// z [T, C], each row's running (m, s) with s = Σ e^{z − m} absorbs the chunk, and lse[t] = m + log s is written
// (final after the last chunk). first != 0 starts the rows afresh. Shapes: z [T, C]; state [T] of (m, s); lse [T].
// One thread per row walks its chunk: rows are independent, and this keeps it free of workgroup memory.

struct Params { T: u32, C: u32, first: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;

const NEG = -3.0e38; // a finite "minus infinity": e^{NEG − x} is 0 without inf − inf = NaN

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.y * nwg.x * 64u + gid.x;
  if (t >= p.T) { return; }
  var m = NEG;
  var s = 0.0;
  if (p.first == 0u) { m = state[t].x; s = state[t].y; }
  let base = t * p.C;
  var chunkMax = NEG;
  for (var c = 0u; c < p.C; c++) { chunkMax = max(chunkMax, z[base + c]); }
  let mNew = max(m, chunkMax);
  s *= exp(m - mNew);
  for (var c = 0u; c < p.C; c++) { s += exp(z[base + c] - mNew); }
  state[t] = vec2<f32>(mNew, s);
  lse[t] = mNew + log(s);
}
