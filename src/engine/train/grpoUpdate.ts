// GRPO's policy updates on one step's rollouts. The rollouts are split into `miniBatches` (veRL's PPO
// mini-batches; the paper made 2 updates a step) and passed over `iterations` times (TRL's num_iterations);
// each mini-batch is one optimizer step, run micro-batch by micro-batch. From the second update on the policy
// differs from the one that sampled, so the ratio ρ = p/p_old leaves 1 and the PPO clip acts: the log-probs
// of the sampling policy are taken once, before the first update, and the clip fraction is reported.
import { grpoWeights, type AdvantageScaling, type GrpoObjective } from './objective.ts';
import type { TrainSequence } from './trainer.ts';
import { packByTokens, throwIfAborted, type TrainSession } from './trainLoop.ts';

export interface Rollout {
  /** Index into the step's advantages. */
  index: number;
  ids: number[];
  promptLength: number;
}

export type Objective = GrpoObjective & { scaling: AdvantageScaling };

export interface UpdatePlan {
  lr: number;
  miniBatches: number;
  iterations: number;
}

export interface UpdateStats {
  /** Mean surrogate loss over the updates. */
  loss: number;
  lr: number;
  /** Gradient norm of the last update. */
  gradNorm: number;
  /** Share of loss tokens, over all updates, whose clipped branch was active. */
  clipFraction: number;
  kl?: number;
  updates: number;
  tokensPerSecond: number;
}

/** Consecutive, near-equal parts of the rollouts (groups stay together when the count divides evenly). */
export function splitRollouts<T>(items: T[], parts: number): T[][] {
  return Array.from({ length: parts }, (_, k) =>
    items.slice(Math.round((k * items.length) / parts), Math.round(((k + 1) * items.length) / parts)),
  );
}

const plain = (batch: Rollout[]): TrainSequence[] =>
  batch.map((q) => ({ ids: q.ids, weights: new Float32Array(q.ids.length) }));

/** Per token of the packed batch: its sequence where a loss applies (a completion token's prediction), else −1. */
function lossRows(batch: Rollout[]): Int32Array {
  return Int32Array.from(
    batch.flatMap((q) => q.ids.map((_, t) => (t + 1 >= q.promptLength && t + 1 < q.ids.length ? q.index : -1))),
  );
}

/** log p of every token of each rollout under the current policy (the one that sampled them). */
async function samplingLogprobs(session: TrainSession, seqs: Rollout[]): Promise<Map<number, Float32Array>> {
  const out = new Map<number, Float32Array>();
  for (const batch of packByTokens(seqs, (q) => q.ids.length, session.trainer.options.maxTokens)) {
    const logp = await session.trainer.logprobs(plain(batch));
    let row = 0;
    for (const q of batch) out.set(q.index, logp.slice(row, (row += q.ids.length)));
  }
  return out;
}

/** Where an update is, for progress: micro-batch `micro` of `micros` (of `tokens` tokens) in update `update` of `updates`. */
export interface UpdateProgress {
  update: number;
  updates: number;
  micro: number;
  micros: number;
  tokens: number;
}

export async function policyUpdates(
  session: TrainSession,
  seqs: Rollout[],
  advantages: Float64Array,
  objective: Objective,
  plan: UpdatePlan,
  signal: AbortSignal | undefined,
  onMicroBatch: (p: UpdateProgress) => void = () => {},
): Promise<UpdateStats> {
  const started = performance.now();
  // A zero advantage gives zero weights (without KL): such rollouts are counted but not run, except under
  // 'bnpo', whose normaliser counts the tokens of each micro-batch actually run.
  const skipIdle = objective.beta === 0 && objective.lossType !== 'bnpo';
  const several = plan.miniBatches * plan.iterations > 1;
  const old = several
    ? await samplingLogprobs(session, skipIdle ? seqs.filter((q) => advantages[q.index] !== 0) : seqs)
    : undefined;
  const sums = { loss: 0, klSum: 0, tokens: 0, clipped: 0, trained: 0, gradNorm: 0, updates: 0 };
  for (let pass = 0; pass < plan.iterations; pass++) {
    for (const part of splitRollouts(seqs, plan.miniBatches)) {
      // The first update's policy is the sampling one: its ratio is exactly 1 and needs no forward of its own.
      const first = sums.updates === 0;
      const where = { update: sums.updates, updates: plan.iterations * plan.miniBatches };
      const r = await oneUpdate(session, part, advantages, objective, skipIdle, first ? undefined : old, signal, (m) =>
        onMicroBatch({ ...where, ...m }),
      );
      sums.loss += r.loss;
      sums.klSum += r.klSum;
      sums.tokens += r.tokens;
      sums.clipped += r.clipped;
      sums.trained += r.trained;
      const { gradNorm } = await session.trainer.step(plan.lr);
      sums.gradNorm = gradNorm;
      sums.updates++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    loss: sums.loss / sums.updates,
    lr: plan.lr,
    gradNorm: sums.gradNorm,
    clipFraction: sums.tokens > 0 ? sums.clipped / sums.tokens : 0,
    ...(objective.beta > 0 ? { kl: sums.tokens > 0 ? sums.klSum / sums.tokens : 0 } : {}),
    updates: sums.updates,
    tokensPerSecond: sums.trained / seconds,
  };
}

/** Accumulates the gradient of one mini-batch, micro-batch by micro-batch; `old` present means ratios are taken. */
async function oneUpdate(
  session: TrainSession,
  part: Rollout[],
  advantages: Float64Array,
  objective: Objective,
  skipIdle: boolean,
  old: Map<number, Float32Array> | undefined,
  signal: AbortSignal | undefined,
  onMicroBatch: (m: { micro: number; micros: number; tokens: number }) => void,
) {
  const { trainer } = session;
  const completion = (q: Rollout) => q.ids.length - q.promptLength;
  const active = skipIdle ? part.filter((q) => advantages[q.index] !== 0) : part;
  const micro = packByTokens(active, (q) => q.ids.length, trainer.options.maxTokens);
  const totals = {
    sequences: part.length,
    tokens: part.reduce((n, q) => n + completion(q), 0),
    microBatches: Math.max(1, micro.length),
  };
  const sums = { loss: 0, klSum: 0, tokens: 0, clipped: 0, trained: 0 };
  trainer.zeroGrads();
  for (const [i, batch] of micro.entries()) {
    throwIfAborted(signal);
    onMicroBatch({ micro: i, micros: micro.length, tokens: batch.reduce((n, q) => n + q.ids.length, 0) });
    const sequenceOf = lossRows(batch);
    const needLogp = objective.beta > 0 || old !== undefined;
    const logp = needLogp ? await trainer.logprobs(plain(batch)) : new Float32Array(sequenceOf.length);
    const oldLogp = old && concat(batch.map((q) => old.get(q.index)!));
    const refLogp = objective.beta > 0 ? await trainer.logprobs(plain(batch), session.reference ?? false) : undefined;
    const w = grpoWeights({ sequenceOf, advantages, logp, oldLogp, refLogp, totals }, objective);
    let row = 0;
    await trainer.microBatch(
      batch.map((q) => ({ ids: q.ids, weights: w.weights.subarray(row, (row += q.ids.length)) })),
    );
    sums.loss += w.loss;
    sums.klSum += w.klSum;
    sums.tokens += w.tokens;
    sums.clipped += w.clippedLow + w.clippedHigh;
    sums.trained += sequenceOf.length;
  }
  throwIfAborted(signal);
  return sums;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}
