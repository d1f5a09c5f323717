// Token sampling on the GPU, one id per row of logits [B, V], so only the ids [B] come back to the CPU.
// Per row: temperature T, top-k, top-p, and a seed; the uniform draw u = hash(seed, row, step) (PCG hashes,
// counter-based, so a run replays exactly). T == 0 or top-k == 1 is greedy: the argmax, ties to the lowest id.
// Otherwise, as Hugging Face orders it: w_v = e^{(z_v − max z) / T}; keep the top-k logits (all ties of the
// k-th value kept; k = 0 keeps all); of those keep the smallest top set whose mass reaches top-p of theirs (again
// as a threshold on the logit, ties kept); then walk the kept tokens in id order and return the first whose
// running mass exceeds u · (kept mass).
// Both thresholds are found without sorting: logits map to u32 keys that order like the floats, and the
// threshold is built bit by bit from the top (32 passes, each a count or a mass of keys ≥ the candidate).
// This file holds what both kernels share: the gpu family's sample.wgsl walks a row with a workgroup, the
// emulator's sampleThread.wgsl with one thread.

struct Params { B: u32, V: u32 }
struct Row { temperature: f32, topP: f32, topK: u32, seed: u32, step: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<Row>;
@group(0) @binding(3) var<storage, read_write> ids: array<u32>;

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

/** How many of the row's logits, from id `start` in steps of `stride`, have keys at least `lowest`. */
fn countFrom(base: u32, lowest: u32, start: u32, stride: u32) -> u32 {
  var n = 0u;
  for (var v = start; v < p.V; v += stride) { n += u32(orderKey(logits[base + v]) >= lowest); }
  return n;
}

/** The mass of the row's logits, from id `start` in steps of `stride`, whose keys are at least `lowest`. */
fn massFrom(base: u32, lowest: u32, zMax: f32, invTemperature: f32, start: u32, stride: u32) -> f32 {
  var mass = 0.0;
  for (var v = start; v < p.V; v += stride) {
    let z = logits[base + v];
    if (orderKey(z) >= lowest) { mass += exp((z - zMax) * invTemperature); }
  }
  return mass;
}
