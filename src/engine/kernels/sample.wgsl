// Token sampling on the GPU, one workgroup per row of logits [B, V], so only the ids [B] come back to the CPU.
// Per row: temperature T, top-k, top-p, and a seed; the uniform draw u = hash(seed, row, step) (PCG hashes,
// counter-based, so a run replays exactly). T == 0 or top-k == 1 is greedy: the argmax, ties to the lowest id.
// Otherwise, as Hugging Face orders it: w_v = e^{(z_v − max z) / T}; keep the top-k logits (all ties of the
// k-th value kept; k = 0 keeps all); of those keep the smallest top set whose mass reaches top-p of theirs (again
// as a threshold on the logit, ties kept); then walk the kept tokens in id order and return the first whose
// running mass exceeds u · (kept mass).
// Both thresholds are found without sorting: logits map to u32 keys that order like the floats, and the
// threshold is built bit by bit from the top (32 passes, each a count or a mass of keys ≥ the candidate).
// A row's settings are the same for its whole workgroup, so the passes of a disabled filter are skipped.

struct Params { B: u32, V: u32 }
struct Row { temperature: f32, topP: f32, topK: u32, seed: u32, step: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<Row>;
@group(0) @binding(3) var<storage, read_write> ids: array<u32>;

override WG: u32 = 256u; // threads per row (sample.ts sampleThreads)
const NEG = -3.0e38;
var<workgroup> sums: array<f32, WG>;
var<workgroup> counts: array<u32, WG>;
var<workgroup> chosen: u32;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

/** A uniform draw in [0, 1) with 24 random bits, from (seed, row, step). */
fn uniformDraw(seed: u32, row: u32, step: u32) -> f32 {
  return f32(pcg(seed ^ pcg(row ^ pcg(step))) >> 8u) / 16777216.0;
}

/** A u32 that orders like the float: flip the sign bit of positives, every bit of negatives. */
fn orderKey(z: f32) -> u32 {
  let bits = bitcast<u32>(z);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

/** The workgroup's count: summed as f32 (reduce.wgsl), exact for counts below 2^24, far above any vocabulary. */
fn countAll(x: u32, t: u32) -> u32 {
  return u32(segmentSum(t, f32(x), WG));
}

/** The lowest id holding the row's largest logit. */
fn argmax(base: u32, t: u32) -> u32 {
  var best = NEG;
  var bestId = 0u;
  for (var v = t; v < p.V; v += WG) {
    if (logits[base + v] > best) { best = logits[base + v]; bestId = v; }
  }
  sums[t] = best;
  counts[t] = bestId;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (t < width) {
      let other = sums[t + width];
      if (other > sums[t] || (other == sums[t] && counts[t + width] < counts[t])) {
        sums[t] = other;
        counts[t] = counts[t + width];
      }
    }
    workgroupBarrier();
  }
  let id = counts[0];
  workgroupBarrier();
  return id;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  let row = rows[b];
  let base = b * p.V;
  let best = argmax(base, t);
  let zMax = logits[base + best];
  let invTemperature = 1.0 / max(row.temperature, 1e-6);

  // Top-k: the largest key with at least k logits at or above it, i.e. the k-th largest logit's key.
  var keyK = 0u;
  if (row.topK > 1u && row.topK < p.V) {
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = keyK | (1u << u32(bit));
      var n = 0u;
      for (var v = t; v < p.V; v += WG) { n += u32(orderKey(logits[base + v]) >= candidate); }
      if (countAll(n, t) >= row.topK) { keyK = candidate; }
    }
  }
  // Top-p: the largest key whose kept mass (within the top-k) still reaches topP of the top-k's mass.
  var key = 0u;
  if (row.topP < 1.0) {
    var mass = 0.0;
    for (var v = t; v < p.V; v += WG) {
      let z = logits[base + v];
      if (orderKey(z) >= keyK) { mass += exp((z - zMax) * invTemperature); }
    }
    let needed = segmentSum(t, mass, WG) * row.topP;
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = key | (1u << u32(bit));
      let lowest = max(candidate, keyK);
      var m = 0.0;
      for (var v = t; v < p.V; v += WG) {
        let z = logits[base + v];
        if (orderKey(z) >= lowest) { m += exp((z - zMax) * invTemperature); }
      }
      if (segmentSum(t, m, WG) >= needed) { key = candidate; }
    }
  }
  key = max(key, keyK);

  // Walk the kept tokens in id order: thread t owns ids [t · span, (t + 1) · span).
  let span = (p.V + WG - 1u) / WG;
  let start = min(t * span, p.V);
  let end = min(start + span, p.V);
  var own = 0.0;
  for (var v = start; v < end; v++) {
    let z = logits[base + v];
    if (orderKey(z) >= key) { own += exp((z - zMax) * invTemperature); }
  }
  sums[t] = own;
  workgroupBarrier();
  // Prefix sums in one fixed order, so the threads' intervals [before, before + own) tile [0, kept) exactly.
  var before = 0.0;
  var kept = 0.0;
  var after = 0.0;
  for (var i = 0u; i < WG; i++) {
    if (i < t) { before += sums[i]; }
    if (i > t) { after += sums[i]; }
    kept += sums[i];
  }
  let goal = uniformDraw(row.seed, b, row.step) * kept;
  // The last thread holding mass also takes a goal that rounding pushed to the very end.
  if (own > 0.0 && goal >= before && (goal < before + own || after == 0.0)) {
    var running = before;
    var pick = start;
    for (var v = start; v < end; v++) {
      let z = logits[base + v];
      if (orderKey(z) >= key) {
        pick = v; // the last kept token so far: the answer if rounding leaves `running` just short of `goal`
        running += exp((z - zMax) * invTemperature);
        if (running > goal) { break; }
      }
    }
    chosen = pick;
  }
  workgroupBarrier();
  if (t == 0u) {
    let greedy = row.temperature <= 0.0 || row.topK == 1u;
    ids[b] = select(chosen, best, greedy);
  }
}
