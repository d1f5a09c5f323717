// Supervised fine-tuning on prompt/completion pairs (TRL's completion-only loss): the prompt and the
// completion are tokenized separately (prompt ids, then completion ids and eos), so the loss mask is exact;
// the loss is the mean −log p over the completion tokens of each optimizer step. A step takes `batchSize`
// examples in a per-epoch shuffled order and splits them into micro-batches of at most `microBatchTokens`
// tokens whose gradients accumulate (memory is bounded by the budget, not the batch).
import type { LoraTarget } from '../lora/config.ts';
import type { Decoder } from '../model/decoder.ts';
import type { AdamWConfig } from './adamw.ts';
import { sftWeights } from './objective.ts';
import type { Rng } from './rng.ts';
import { learningRate, validateSchedule, type LrSchedule } from './schedule.ts';
import type { TrainSequence } from './trainer.ts';
import {
  eosOf,
  packByTokens,
  pacedProgress,
  StepClock,
  throwIfAborted,
  TrainSession,
  type TrainCallbacks,
  type TrainMethod,
  type TrainOutcome,
} from './trainLoop.ts';

export interface SftPair {
  /** The text the model is given (already chat-templated where the model needs it). */
  prompt: string;
  completion: string;
}

export interface SftOptions {
  method: TrainMethod;
  examples: SftPair[];
  epochs: number;
  /** Peak learning rate. */
  lr: number;
  /** Examples per optimizer step. */
  batchSize: number;
  /** Sequences are cut to this many tokens (keeping the start). */
  maxLength: number;
  /** Share of the steps spent warming the learning rate up linearly. */
  warmup: number;
  rank: number;
  alpha: number;
  /** LoRA targets; default all seven projections. */
  targets?: LoraTarget[];
  /** After warmup: cosine decay to 0 (default) or constant. */
  schedule?: 'cosine' | 'constant';
  /** Most tokens one micro-batch holds (default 2048, raised to the longest sequence). */
  microBatchTokens?: number;
  /** Checkpoint every this many steps (0: never). */
  checkpointEvery: number;
  seed: number;
  /** Recompute each layer in the backward instead of keeping its activations. */
  checkpointing?: boolean;
  /** A checkpoint of this run to continue from. */
  resume?: Uint8Array;
  /** End after this step although the schedule spans the whole run (a run in parts). */
  stopAfter?: number;
  adamw?: Partial<AdamWConfig>;
}

export type SftStepMetrics = {
  step: number;
  steps: number;
  epoch: number;
  /** Mean −log p per completion token of the step. */
  loss: number;
  lr: number;
  /** Before clipping. */
  gradNorm: number;
  tokensPerSecond: number;
  secondsLeft: number;
};

const DEFAULT_MICRO_BATCH_TOKENS = 2048;

interface SftSequence {
  ids: number[];
  /** Tokens of the prompt; the loss is on every later token. */
  promptLength: number;
}

export async function runSft(
  model: Decoder,
  options: SftOptions,
  callbacks: TrainCallbacks<SftStepMetrics> = {},
): Promise<TrainOutcome> {
  const o = validateSft(options);
  const stepsPerEpoch = Math.ceil(o.examples.length / o.batchSize);
  const totalSteps = o.epochs * stepsPerEpoch;
  const progress = pacedProgress(callbacks.onProgress);
  const report = (step: number, doing: string, within = 0, force = true) =>
    progress({ step, steps: totalSteps, doing, within }, force);
  const seqs = tokenizeExamples(model, o, (done) =>
    report(0, `tokenizing ${done.toLocaleString()} of ${o.examples.length.toLocaleString()} examples`, 0, false),
  );
  report(0, 'preparing the model for training');
  const longest = seqs.reduce((n, q) => Math.max(n, q.ids.length), 0);
  const session = await TrainSession.open(model, {
    kind: 'sft',
    method: o.method,
    lora: { rank: o.rank, alpha: o.alpha, targets: o.targets },
    seed: o.seed,
    checkpointing: o.checkpointing,
    adamw: o.adamw,
    resume: o.resume,
    microBatchTokens: Math.max(o.microBatchTokens ?? DEFAULT_MICRO_BATCH_TOKENS, longest),
  });
  try {
    const warmupSteps = Math.round(o.warmup * totalSteps);
    const schedule: LrSchedule =
      o.schedule === 'constant'
        ? { kind: 'warmup', lr: o.lr, warmupSteps }
        : { kind: 'cosine', lr: o.lr, warmupSteps, totalSteps, floor: 0 };
    validateSchedule(schedule);
    const data = new DataOrder(seqs.length, session.saved);
    const clock = new StepClock();
    const last = Math.min(totalSteps, o.stopAfter ?? totalSteps);
    while (session.step < last) {
      const s = session.step;
      const epoch = Math.floor(s / stepsPerEpoch);
      const first = (s % stepsPerEpoch) * o.batchSize;
      const batch = data
        .epochOrder(epoch, session.rng)
        .slice(first, first + o.batchSize)
        .map((i) => seqs[i]);
      const lr = learningRate(schedule, s);
      const { loss, gradNorm, tokens } = await sftStep(session, batch, lr, callbacks.signal, (done, of, n) =>
        report(s, `micro-batch ${done + 1} of ${of} (${n.toLocaleString()} tokens)`, done / of),
      );
      session.checkFinite(s + 1, loss, gradNorm);
      session.step = s + 1;
      const seconds = clock.lap();
      await callbacks.onStep?.({
        step: session.step,
        steps: totalSteps,
        epoch,
        loss,
        lr,
        gradNorm,
        tokensPerSecond: tokens / seconds,
        secondsLeft: clock.secondsLeft(last - session.step),
      });
      if (o.checkpointEvery > 0 && session.step % o.checkpointEvery === 0) {
        await callbacks.onCheckpoint?.(session.step, await session.checkpoint(data.state()));
      }
    }
    report(session.step, 'trained');
    return { steps: session.step, files: await session.files() };
  } finally {
    session.close();
  }
}

/** One optimizer step over `batch`, micro-batch by micro-batch. */
async function sftStep(
  session: TrainSession,
  batch: SftSequence[],
  lr: number,
  signal: AbortSignal | undefined,
  onMicroBatch: (done: number, of: number, tokens: number) => void,
) {
  const { trainer } = session;
  // Position t predicts ids[t + 1]: it carries loss when that token belongs to the completion.
  const targets = batch.reduce((n, q) => n + q.ids.length - q.promptLength, 0);
  const train: TrainSequence[] = batch.map((q) => ({
    ids: q.ids,
    weights: sftWeights(
      q.ids.map((_, t) => (t + 1 >= q.promptLength && t + 1 < q.ids.length ? 1 : 0)),
      targets,
    ),
  }));
  trainer.zeroGrads();
  let loss = 0;
  const micros = packByTokens(train, (q) => q.ids.length, trainer.options.maxTokens);
  for (const [i, micro] of micros.entries()) {
    throwIfAborted(signal);
    onMicroBatch(
      i,
      micros.length,
      micro.reduce((n, q) => n + q.ids.length, 0),
    );
    loss += (await trainer.microBatch(micro)).loss;
  }
  throwIfAborted(signal);
  const { gradNorm } = await trainer.step(lr);
  return { loss, gradNorm, tokens: batch.reduce((n, q) => n + q.ids.length, 0) };
}

/** The per-epoch shuffled order of the examples, drawn from the run's RNG and kept in checkpoints. */
class DataOrder {
  private order: number[] | undefined;
  private epoch = -1;

  constructor(
    private readonly count: number,
    saved: Record<string, unknown> | undefined,
  ) {
    if (!saved) return;
    const { order, orderEpoch } = saved;
    const valid =
      Array.isArray(order) && order.length === count && order.every((i) => Number.isInteger(i) && i >= 0 && i < count);
    if (!valid || !Number.isInteger(orderEpoch))
      throw new Error(`checkpoint: its data order does not fit this run's ${count} examples`);
    this.order = order as number[];
    this.epoch = orderEpoch as number;
  }

  epochOrder(epoch: number, rng: Rng): number[] {
    if (epoch !== this.epoch || !this.order) {
      this.order = shuffled(this.count, rng);
      this.epoch = epoch;
    }
    return this.order;
  }

  state() {
    return { examples: this.count, order: this.order ?? [], orderEpoch: this.epoch };
  }
}

/** A Fisher–Yates permutation of 0..n−1. */
function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function tokenizeExamples(model: Decoder, o: SftOptions, onDone: (done: number) => void): SftSequence[] {
  const eos = eosOf(model);
  const context = model.config.maxPositions;
  return o.examples.map((ex, i) => {
    onDone(i);
    const prompt = model.tokenizer.encodePrompt(ex.prompt);
    if (prompt.length === 0) throw new Error(`sft: example ${i + 1} has an empty prompt`);
    if (prompt.length >= o.maxLength) {
      throw new Error(
        `sft: example ${i + 1}'s prompt is ${prompt.length} tokens, which leaves no room for its completion within maxLength ${o.maxLength}`,
      );
    }
    const ids = [...prompt, ...model.tokenizer.encode(ex.completion, false), eos].slice(0, o.maxLength);
    if (ids.length > context)
      throw new Error(
        `sft: example ${i + 1} is ${ids.length} tokens, more than the model's context of ${context} (lower maxLength)`,
      );
    return { ids, promptLength: prompt.length };
  });
}

function validateSft(o: SftOptions): SftOptions {
  const bad = (field: string, why: string): never => {
    throw new Error(`sft: "${field}" ${why}, got ${JSON.stringify(o[field as keyof SftOptions])}`);
  };
  if (o.method !== 'lora' && o.method !== 'full') bad('method', 'must be "lora" or "full"');
  if (!Array.isArray(o.examples) || o.examples.length === 0) throw new Error('sft: no examples');
  o.examples.forEach((ex, i) => {
    if (typeof ex?.prompt !== 'string' || typeof ex?.completion !== 'string')
      throw new Error(`sft: example ${i + 1} needs a string prompt and completion`);
  });
  const positiveInt = (field: 'epochs' | 'batchSize' | 'maxLength') => {
    if (!Number.isInteger(o[field]) || o[field] < 1) bad(field, 'must be a positive integer');
  };
  positiveInt('epochs');
  positiveInt('batchSize');
  positiveInt('maxLength');
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) bad('lr', 'must be a positive number');
  if (!(o.warmup >= 0 && o.warmup < 1)) bad('warmup', 'must be a fraction in [0, 1)');
  if (!Number.isInteger(o.checkpointEvery) || o.checkpointEvery < 0)
    bad('checkpointEvery', 'must be a non-negative integer');
  if (o.stopAfter !== undefined && (!Number.isInteger(o.stopAfter) || o.stopAfter < 1))
    bad('stopAfter', 'must be a positive integer');
  return o;
}
