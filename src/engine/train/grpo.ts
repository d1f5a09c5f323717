// GRPO in the engine: each step samples `group` completions for each of `prompts` problems with the current
// policy (rows of one problem share its prefill), scores them, turns rewards into group-relative advantages,
// and takes one or more optimizer steps on L = Σ_t w_t (−log p) with the per-token weights of objective.ts
// (grpoUpdate.ts: mini-batches and passes; from the second update on the PPO clip acts, and its clip fraction
// is reported). An optional k3 KL penalty pulls toward the reference: the adapter attached when the run began
// (a primed model's), or the bare base model.
import { generateIds, type GenerationFinish } from '../generate.ts';
import type { LoraTarget } from '../lora/config.ts';
import type { Decoder } from '../model/decoder.ts';
import type { AdamWConfig } from './adamw.ts';
import { DEFAULT_GRPO, groupAdvantages, type AdvantageScaling, type LossType } from './objective.ts';
import { policyUpdates, type Objective, type Rollout, type UpdatePlan } from './grpoUpdate.ts';
import {
  sampledCompletionIds,
  pacedProgress,
  StepClock,
  throwIfAborted,
  TrainSession,
  type TrainCallbacks,
  type TrainMethod,
  type TrainOutcome,
} from './trainLoop.ts';

export interface GrpoSettings {
  steps: number;
  /** Problems per step (P). */
  prompts: number;
  /** Completions per problem (G). */
  group: number;
  lr: number;
  /** β of the k3 KL penalty (0: off, no reference pass). */
  kl: number;
  /** PPO clip ε: it acts from the second policy update of a batch on (with one update the ratio is 1). */
  clip?: number;
  /** veRL's PPO mini-batches: a step's rollouts split into this many, one optimizer update each (the paper: 2). */
  miniBatches?: number;
  /** TRL's num_iterations (μ): passes over the step's rollouts (default 1). Updates per step = μ × miniBatches. */
  iterations?: number;
  temperature: number;
  topP?: number;
  topK?: number;
  maxTokens: number;
  method?: TrainMethod;
  /** A fresh adapter's rank and alpha (default 2 × rank); an adapter already attached to the model is used instead. */
  rank: number;
  alpha?: number;
  targets?: LoraTarget[];
  /** 'grpo': TRL's GRPOTrainer defaults (group std scaling, 'dapo' token mean); 'dr_grpo': no std, constant normaliser. */
  algorithm?: 'grpo' | 'dr_grpo';
  /** Override the algorithm's loss aggregation or advantage scaling. */
  lossType?: LossType;
  scaleRewards?: AdvantageScaling;
  checkpointEvery: number;
  seed: number;
  microBatchTokens?: number;
  checkpointing?: boolean;
  resume?: Uint8Array;
  /** End after this step although the run is `steps` long. */
  stopAfter?: number;
  adamw?: Partial<AdamWConfig>;
}

/** Prompt texts made as a run reaches them (a long run's problems are not all made before its first step). */
export interface PromptSource {
  count: number;
  at(problem: number): string;
}

export type GrpoOptions = GrpoSettings & {
  /** One prompt text per problem; step s uses problems s·P … s·P + P − 1, cycling through them. */
  problemPrompts: readonly string[] | PromptSource;
  /** The reward of a completion of problem `problem` (an index into problemPrompts): the task's, never the engine's. */
  score: (completion: string, problem: number) => number;
};

export interface GrpoStepMetrics {
  /** Policy version the rollouts came from: updates taken before them (0 = the starting model, the paper's step 0). */
  step: number;
  steps: number;
  meanReward: number;
  clipFraction: number;
  /** Optimizer updates taken on this step's rollouts. */
  updates: number;
  kl?: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Share of groups whose rewards were all equal (advantage 0). */
  zeroStdFraction: number;
  /** Mean completion length in tokens. */
  meanTokens: number;
  /** Training tokens (prompt and completion) per second of the update. */
  tokensPerSecond: number;
  rolloutTokensPerSecond: number;
  secondsLeft: number;
}

export interface GrpoRollout {
  step: number;
  /** Index of the problem in problemPrompts. */
  problem: number;
  prompt: string;
  completion: string;
  reward: number;
  advantage: number;
  tokens: number;
  finish: GenerationFinish;
}

export interface GrpoCallbacks extends TrainCallbacks<GrpoStepMetrics> {
  /** Every rollout of a step, before the step's metrics (awaited: the caller stores them). */
  onRollouts?: (rollouts: GrpoRollout[]) => void | Promise<void>;
  /**
   * The policy after `step` updates (awaited; e.g. to measure it on held-out problems): step 0 is the starting
   * model, before any update (skipped on resume), then after every update. Leave the model as it is.
   */
  onPolicy?: (step: number, policy: Decoder) => void | Promise<void>;
}

/** The LoRA learning rate matching the paper's 1e-6 full fine-tuning (TRL's ~10× rule for GRPO). */
export const PAPER_LORA_LR = 1e-5;

/**
 * Gandhi et al.'s RL settings (TinyZero's veRL PPO, scripts/train_tiny_zero_n4_cd.sh) as far as they map here:
 * 256 prompts × 4 samples per step, temperature 1 (top-p 1), responses up to 1,024 tokens, two mini-batch
 * updates per step, KL coefficient 0.001, clip 0.2, gradient clipping at 1. What does not map: they trained
 * every weight at lr 1e-6; here it is LoRA at PAPER_LORA_LR (full training has no KL reference, which would
 * need a second copy of the weights); PPO's critic and GAE (λ = γ = 1) become GRPO's group-mean baseline;
 * their KL (k1) is subtracted from the reward, ours is the k3 estimator in the loss; their entropy bonus
 * (0.001) is not implemented.
 */
export const PAPER_GRPO_PRESET = {
  prompts: 256,
  group: 4,
  maxTokens: 1024,
  temperature: 1,
  topP: 1,
  lr: PAPER_LORA_LR,
  kl: 0.001,
  clip: 0.2,
  miniBatches: 2,
  method: 'lora',
  algorithm: 'grpo',
  adamw: { maxGradNorm: 1 },
} as const satisfies Partial<GrpoSettings>;

const DEFAULT_MICRO_BATCH_TOKENS = 2048;
/** Tokens a later step's prompt may run past the first step's longest. */
const PROMPT_SLACK = 32;

function promptSource(prompts: readonly string[] | PromptSource): PromptSource {
  if (!Array.isArray(prompts)) return prompts as PromptSource;
  const list = prompts as readonly string[];
  return { count: list.length, at: (i) => list[i] };
}

export async function runGrpo(
  model: Decoder,
  options: GrpoOptions,
  callbacks: GrpoCallbacks = {},
): Promise<TrainOutcome> {
  const o = validateGrpo(options);
  const method = o.method ?? 'lora';
  const progress = pacedProgress(callbacks.onProgress);
  const report = (step: number, doing: string, within = 0, force = true) =>
    progress({ step, steps: o.steps, doing, within }, force);
  const prompts = promptSource(o.problemPrompts);
  const pickedAt = (s: number) => Array.from({ length: o.prompts }, (_, i) => (s * o.prompts + i) % prompts.count);
  // Each step's prompts are tokenized when it starts. The micro-batch budget is sized from the first step's
  // (with slack: a task's prompts differ only in the problem's few numbers), never below the default.
  const firstIds = pickedAt(0).map((i) => model.tokenizer.encodePrompt(prompts.at(i)));
  const longest = firstIds.reduce((n, ids) => Math.max(n, ids.length), 0) + PROMPT_SLACK + o.maxTokens + 1;
  report(0, 'preparing the model for training');
  const session = await TrainSession.open(model, {
    kind: 'grpo',
    method,
    lora: { rank: o.rank, alpha: o.alpha ?? 2 * o.rank, targets: o.targets },
    seed: o.seed,
    checkpointing: o.checkpointing,
    adamw: o.adamw,
    temperature: o.temperature,
    resume: o.resume,
    microBatchTokens: Math.max(o.microBatchTokens ?? DEFAULT_MICRO_BATCH_TOKENS, longest),
  });
  try {
    if (session.saved && session.saved.problems !== prompts.count)
      throw new Error(`checkpoint: made for ${String(session.saved.problems)} problems, this run has ${prompts.count}`);
    const objective = objectiveOf(o);
    const clock = new StepClock();
    const last = Math.min(o.steps, o.stopAfter ?? o.steps);
    if (session.step === 0) await callbacks.onPolicy?.(0, session.model);
    while (session.step < last) {
      const s = session.step;
      const picked = pickedAt(s);
      report(s, `sampling ${o.prompts * o.group} completions`);
      const rollouts = await sampleGroups(
        session,
        picked.map((i) => model.tokenizer.encodePrompt(prompts.at(i))),
        o,
        callbacks.signal,
        (token) =>
          report(
            s,
            `sampling ${o.prompts * o.group} completions: token ${token + 1} of ${o.maxTokens}`,
            (0.5 * (token + 1)) / o.maxTokens,
            false,
          ),
      );
      const problemOf = (row: number) => picked[Math.floor(row / o.group)];
      const rewards = rollouts.gens.map((g, row) => o.score(g.text, problemOf(row)));
      const { advantages, zeroStdFraction } = groupAdvantages(rewards, o.group, objective.scaling);
      const update = await policyUpdates(
        session,
        rollouts.seqs,
        advantages,
        objective,
        updatePlan(o),
        callbacks.signal,
        (m) =>
          report(
            s,
            `update ${m.update + 1} of ${m.updates}: micro-batch ${m.micro + 1} of ${m.micros} (${m.tokens.toLocaleString()} tokens)`,
            0.5 + (0.5 * (m.update + m.micro / m.micros)) / m.updates,
          ),
      );
      session.checkFinite(s + 1, update.loss, update.gradNorm);
      session.step = s + 1;
      const rows: GrpoRollout[] = rollouts.gens.map((g, row) => ({
        step: s,
        problem: problemOf(row),
        prompt: prompts.at(problemOf(row)),
        completion: g.text,
        reward: rewards[row],
        advantage: advantages[row],
        tokens: g.tokens,
        finish: g.finish,
      }));
      await callbacks.onRollouts?.(rows);
      clock.lap();
      const generated = rollouts.gens.reduce((n, g) => n + g.tokens, 0);
      await callbacks.onStep?.({
        step: s,
        steps: o.steps,
        meanReward: rewards.reduce((sum, r) => sum + r, 0) / rewards.length,
        ...update,
        zeroStdFraction,
        meanTokens: generated / rows.length,
        rolloutTokensPerSecond: generated / rollouts.seconds,
        secondsLeft: clock.secondsLeft(last - session.step),
      });
      await callbacks.onPolicy?.(session.step, session.model);
      if (o.checkpointEvery > 0 && session.step % o.checkpointEvery === 0) {
        await callbacks.onCheckpoint?.(session.step, await session.checkpoint({ problems: prompts.count }));
      }
    }
    return { steps: session.step, files: await session.files() };
  } finally {
    session.close();
  }
}

/** G completions of each prompt from the policy being trained, as training sequences (prompt, completion, eos). */
async function sampleGroups(
  session: TrainSession,
  promptIds: number[][],
  o: GrpoSettings,
  signal: AbortSignal | undefined,
  onToken: (token: number) => void,
) {
  const started = performance.now();
  const rows = promptIds.flatMap((ids) => Array.from({ length: o.group }, () => ids));
  const request = {
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topP: o.topP,
    topK: o.topK,
    seed: session.rng.nextU32(),
    signal,
  };
  const gens = await generateIds(session.model, rows, request, { onStep: onToken });
  throwIfAborted(signal);
  const seqs: Rollout[] = gens.map((g, index) => {
    const ids = [...rows[index], ...sampledCompletionIds(g)];
    return { index, ids, promptLength: rows[index].length };
  });
  return { gens, seqs, seconds: (performance.now() - started) / 1000 };
}

function updatePlan(o: GrpoSettings): UpdatePlan {
  return { lr: o.lr, miniBatches: o.miniBatches ?? 1, iterations: o.iterations ?? 1 };
}

function objectiveOf(o: GrpoSettings): Objective {
  const dr = o.algorithm === 'dr_grpo';
  const clip = o.clip ?? DEFAULT_GRPO.epsilonLow;
  return {
    lossType: o.lossType ?? (dr ? 'dr_grpo' : 'dapo'),
    scaling: o.scaleRewards ?? (dr ? 'none' : 'group'),
    epsilonLow: clip,
    epsilonHigh: clip,
    beta: o.kl,
    maxCompletionLength: o.maxTokens,
  };
}

/** The options, or an error naming the first bad field. */
export function validateGrpo(o: GrpoOptions): GrpoOptions {
  const bad = (field: string, why: string): never => {
    throw new Error(`grpo: "${field}" ${why}, got ${JSON.stringify((o as unknown as Record<string, unknown>)[field])}`);
  };
  for (const field of ['steps', 'prompts', 'group', 'maxTokens', 'rank'] as const) {
    if (!Number.isInteger(o[field]) || o[field] < 1) bad(field, 'must be a positive integer');
  }
  for (const field of ['miniBatches', 'iterations'] as const) {
    const v = o[field];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) bad(field, 'must be a positive integer');
  }
  if ((o.miniBatches ?? 1) > o.prompts * o.group)
    bad('miniBatches', `must be at most the ${o.prompts * o.group} rollouts of a step`);
  if (o.group < 2) bad('group', 'must be at least 2 (advantages compare completions within a group)');
  if (promptSource(o.problemPrompts).count === 0) throw new Error('grpo: no problems');
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) bad('lr', 'must be a positive number');
  if (!(o.kl >= 0) || !Number.isFinite(o.kl)) bad('kl', 'must be a non-negative number');
  if (o.kl > 0 && o.method === 'full')
    bad(
      'kl',
      'must be 0 with full training (its reference would need a second copy of the weights, which is not implemented)',
    );
  if (!(o.temperature > 0) || !Number.isFinite(o.temperature))
    bad(
      'temperature',
      'must be positive (at 0 every completion of a group is the same, so there is nothing to compare)',
    );
  if (!Number.isInteger(o.checkpointEvery) || o.checkpointEvery < 0)
    bad('checkpointEvery', 'must be a non-negative integer');
  if (o.stopAfter !== undefined && (!Number.isInteger(o.stopAfter) || o.stopAfter < 1))
    bad('stopAfter', 'must be a positive integer');
  if (o.algorithm !== undefined && o.algorithm !== 'grpo' && o.algorithm !== 'dr_grpo')
    bad('algorithm', 'must be "grpo" or "dr_grpo"');
  return o;
}
