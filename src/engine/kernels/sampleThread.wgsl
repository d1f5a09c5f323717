// The emulator family's sampling: one thread per row, 64 rows to a workgroup, each pass a plain loop over the
// row, with no workgroup memory and no barrier (SwiftShader pays for every barrier between its SIMD lanes).
// Prepended by sampleDraw.wgsl (the method, the draw). The same filters and walk as sample.wgsl, summed in id order.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= p.B) { return; }
  let row = rows[b];
  let base = b * p.V;
  var best = 0u;
  for (var v = 1u; v < p.V; v++) {
    if (logits[base + v] > logits[base + best]) { best = v; }
  }
  if (row.temperature <= 0.0 || row.topK == 1u) {
    ids[b] = best;
    return;
  }
  let zMax = logits[base + best];
  let invTemperature = 1.0 / max(row.temperature, 1e-6);

  // Top-k: the largest key with at least k logits at or above it, i.e. the k-th largest logit's key.
  var keyK = 0u;
  if (row.topK > 1u && row.topK < p.V) {
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = keyK | (1u << u32(bit));
      if (countFrom(base, candidate, 0u, 1u) >= row.topK) { keyK = candidate; }
    }
  }
  // Top-p: the largest key whose kept mass (within the top-k) still reaches topP of the top-k's mass.
  var key = 0u;
  if (row.topP < 1.0) {
    let needed = massFrom(base, keyK, zMax, invTemperature, 0u, 1u) * row.topP;
    for (var bit = 31i; bit >= 0i; bit--) {
      let candidate = key | (1u << u32(bit));
      if (massFrom(base, max(candidate, keyK), zMax, invTemperature, 0u, 1u) >= needed) { key = candidate; }
    }
  }
  key = max(key, keyK);

  // Walk the kept tokens in id order; the last kept one takes a goal that rounding pushed to the very end.
  let goal = uniformDraw(row.seed, b, row.step) * massFrom(base, key, zMax, invTemperature, 0u, 1u);
  var running = 0.0;
  var pick = best;
  for (var v = 0u; v < p.V; v++) {
    let z = logits[base + v];
    if (orderKey(z) >= key) {
      pick = v;
      running += exp((z - zMax) * invTemperature);
      if (running > goal) { break; }
    }
  }
  ids[b] = pick;
}
