// Per-token loss weights: every objective here is L = −Σ_t w_t · log p(y_t) with w_t held constant in the
// backward (see docs/engine.md), so SFT and all GRPO variants share one fused loss kernel. This file turns
// masks, rewards and log-probabilities into those w_t, following TRL's GRPOTrainer.

export type AdvantageScaling = 'group' | 'batch' | 'none';

/**
 * Group-relative advantages: A_i = r_i − mean(group), divided by (std + 1e-4) of the group ('group') or of
 * the whole batch ('batch'), or not at all ('none', Dr. GRPO). std is Bessel-corrected. A group whose
 * rewards are all equal gets advantage 0 (there is nothing to learn from it).
 */
export function groupAdvantages(
  rewards: ArrayLike<number>,
  groupSize: number,
  scaling: AdvantageScaling,
): { advantages: Float64Array; zeroStdFraction: number } {
  const n = rewards.length;
  if (!Number.isInteger(groupSize) || groupSize < 1 || n % groupSize !== 0) {
    throw new Error(`advantages: ${n} rewards do not split into groups of ${groupSize}`);
  }
  const advantages = new Float64Array(n);
  let zeroStd = 0;
  for (let g = 0; g < n; g += groupSize) {
    const group = Array.from({ length: groupSize }, (_, i) => rewards[g + i]);
    const { mean, std } = meanStd(group);
    if (!(std > 1e-8)) zeroStd++;
    for (let i = 0; i < groupSize; i++) {
      const a = std > 1e-8 ? group[i] - mean : 0;
      advantages[g + i] = scaling === 'group' ? a / (std + 1e-4) : a;
    }
  }
  if (scaling === 'batch') {
    const { std } = meanStd(Array.from(rewards));
    for (let i = 0; i < n; i++) advantages[i] /= std + 1e-4;
  }
  return { advantages, zeroStdFraction: zeroStd / (n / groupSize) };
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length < 2) return { mean, std: 0 };
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * SFT: w_t = 1/n on the n completion tokens (mask 1), 0 on the prompt and padding. With micro-batches pass the
 * completion-token count of the whole accumulated batch as `totalTokens`, so the summed gradients are a mean.
 */
export function sftWeights(lossMask: ArrayLike<number>, totalTokens?: number): Float32Array {
  let count = 0;
  for (let t = 0; t < lossMask.length; t++) if (lossMask[t]) count++;
  const n = totalTokens ?? count;
  const w = new Float32Array(lossMask.length);
  if (n === 0) return w;
  for (let t = 0; t < lossMask.length; t++) if (lossMask[t]) w[t] = 1 / n;
  return w;
}

/** TRL's loss_type: how the summed token losses are normalised. */
export type LossType = 'grpo' | 'bnpo' | 'dapo' | 'dr_grpo';

export interface GrpoObjective {
  lossType: LossType;
  /** PPO clip range: the ratio is clipped to [1 − epsilonLow, 1 + epsilonHigh]. TRL's default is 0.2 both. */
  epsilonLow: number;
  epsilonHigh: number;
  /** KL coefficient for the k3 penalty against the reference policy; 0 turns it off. */
  beta: number;
  /** Dr. GRPO's constant denominator per sequence. */
  maxCompletionLength?: number;
}

export const DEFAULT_GRPO: GrpoObjective = { lossType: 'dapo', epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0 };

export interface GrpoTokens {
  /** Per token: the index of its sequence (into `advantages`), or −1 where no loss applies (prompt, padding). */
  sequenceOf: Int32Array;
  /** Per sequence. */
  advantages: ArrayLike<number>;
  /** Per token: log p(y_t) under the policy being trained. */
  logp: Float32Array;
  /** Per token: log p under the policy that sampled; absent when there is one update per batch (ratio 1). */
  oldLogp?: Float32Array;
  /** Per token: log p with the adapter off; required when beta > 0. */
  refLogp?: Float32Array;
  /**
   * When these tokens are one micro-batch of an accumulated batch: the batch's sequences ('grpo', 'dr_grpo') and
   * loss tokens ('dapo'), and its number of micro-batches ('bnpo' is a per-micro-batch token mean, averaged
   * over micro-batches as TRL does). Default: this call is the whole batch. A sequence's tokens must all be in
   * one call (its length is counted here).
   */
  totals?: { sequences: number; tokens: number; microBatches: number };
}

export interface GrpoWeights {
  weights: Float32Array;
  /** The surrogate loss of these tokens, already normalised (sum it over micro-batches). */
  loss: number;
  /** Sums over loss tokens, for metrics: k3 KL, and tokens whose clipped branch is active (gradient 0). */
  klSum: number;
  clippedLow: number;
  clippedHigh: number;
  tokens: number;
}

/**
 * w_t for the clipped GRPO surrogate −min(ρ_t A, clip(ρ_t) A) + β k3_t, aggregated by `lossType`, where
 * ρ_t = exp(logp − oldLogp). Its gradient in logp is −A ρ_t where the unclipped branch is active and 0 where
 * the clipped one is; the k3 term's is β (1 − e^{ref − logp}). Both become w_t = −(that) / N.
 */
export function grpoWeights(tokens: GrpoTokens, objective: GrpoObjective): GrpoWeights {
  const { sequenceOf, advantages, logp, oldLogp, refLogp } = tokens;
  const T = sequenceOf.length;
  for (const [name, arr] of [
    ['logp', logp],
    ['oldLogp', oldLogp],
    ['refLogp', refLogp],
  ] as const) {
    if (arr && arr.length !== T) throw new Error(`grpo: ${name} has ${arr.length} entries for ${T} tokens`);
  }
  if (objective.beta > 0 && !refLogp) throw new Error('grpo: beta > 0 needs refLogp (the policy with the adapter off)');
  const normaliser = grpoNormaliser(tokens, objective);
  const out: GrpoWeights = {
    weights: new Float32Array(T),
    loss: 0,
    klSum: 0,
    clippedLow: 0,
    clippedHigh: 0,
    tokens: 0,
  };
  for (let t = 0; t < T; t++) {
    const seq = sequenceOf[t];
    if (seq < 0) continue;
    if (seq >= advantages.length)
      throw new Error(`grpo: token ${t} names sequence ${seq} but there are ${advantages.length} advantages`);
    const a = advantages[seq];
    const n = normaliser(seq);
    const ratio = oldLogp ? Math.exp(logp[t] - oldLogp[t]) : 1;
    const clipped = Math.min(Math.max(ratio, 1 - objective.epsilonLow), 1 + objective.epsilonHigh);
    const low = a < 0 && ratio < 1 - objective.epsilonLow;
    const high = a > 0 && ratio > 1 + objective.epsilonHigh;
    let tokenLoss = -Math.min(ratio * a, clipped * a);
    let w = low || high ? 0 : (a * ratio) / n;
    if (objective.beta > 0) {
      const d = refLogp![t] - logp[t];
      const k3 = Math.exp(d) - d - 1;
      tokenLoss += objective.beta * k3;
      w -= (objective.beta * (1 - Math.exp(d))) / n;
      out.klSum += k3;
    }
    out.weights[t] = w;
    out.loss += tokenLoss / n;
    out.tokens++;
    if (low) out.clippedLow++;
    if (high) out.clippedHigh++;
  }
  return out;
}

/** The denominator N for a token of sequence `seq`. */
function grpoNormaliser(tokens: GrpoTokens, objective: GrpoObjective): (seq: number) => number {
  const { sequenceOf, advantages } = tokens;
  const perSequence = new Float64Array(advantages.length);
  let local = 0;
  for (const seq of sequenceOf) {
    if (seq >= 0 && seq < perSequence.length) {
      perSequence[seq]++;
      local++;
    }
  }
  const totals = tokens.totals;
  if (totals && !(totals.sequences >= 1 && totals.tokens >= local && totals.microBatches >= 1)) {
    throw new Error(`grpo: totals ${JSON.stringify(totals)} must count at least this call's ${local} loss tokens`);
  }
  const sequences = totals?.sequences ?? advantages.length;
  switch (objective.lossType) {
    case 'grpo':
      return (seq) => perSequence[seq] * sequences; // mean over each sequence's tokens, then over sequences
    case 'bnpo': {
      const n = local * (totals?.microBatches ?? 1);
      return () => n;
    }
    case 'dapo': {
      const total = totals?.tokens ?? local;
      return () => total;
    }
    case 'dr_grpo': {
      const max = objective.maxCompletionLength;
      if (!max || max < 1) throw new Error('grpo: loss type dr_grpo needs maxCompletionLength');
      return () => sequences * max;
    }
  }
}
