// The gpu family's sampling: one workgroup of WG threads per row, the passes over the vocabulary split between
// them and reduced through workgroup memory. Prepended by reduce.wgsl and sampleDraw.wgsl (the method, the draw).
// A row's settings are the same for its whole workgroup, so the passes of a disabled filter are skipped.

override WG: u32 = 256u; // threads per row: 64 for small vocabularies, 256 for real ones
const NEG = -3.0e38;
var<workgroup> sums: array<f32, WG>;
var<workgroup> counts: array<u32, WG>;
var<workgroup> chosen: u32;

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
      if (countAll(countFrom(base, candidate, t, WG), t) >= row.topK) { keyK = candidate; }
    }
  }
  // Top-p: the largest key whose kept mass (within the top-k) still reaches topP of the top-k's mass.
  var key = 0u;
  if (row.topP < 1.0) {
    let needed = segmentSum(t, massFrom(base, keyK, zMax, invTemperature, t, WG), WG) * row.topP;
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = key | (1u << u32(bit));
      let m = massFrom(base, max(candidate, keyK), zMax, invTemperature, t, WG);
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
