// Training figures for `primer bench` (Engine II): LoRA step throughput and its cost over a forward pass, timed
// through the Trainer itself, and the GPU memory LoRA training needs, counted from the buffers the engine creates
// (memory.ts) while a Trainer is built on a zero-weight checkpoint and, where asked, runs a micro-batch and a step.
import { zeroQ4Reader } from './benchModel.ts';
import { initLoraAdapter } from './lora/adapter.ts';
import { loraConfig } from './lora/config.ts';
import { trackAllocations } from './memory.ts';
import type { ModelConfig } from './model/config.ts';
import { Decoder } from './model/decoder.ts';
import { uploadFromReader } from './model/gpuWeights.ts';
import { ByteTokenizer } from './tokenizer.ts';
import { Trainer, type TrainSequence } from './train/trainer.ts';

/** A training batch: `sequences` rows of `tokens` tokens each, packed into one micro-batch. */
export interface TrainBatch {
  sequences: number;
  tokens: number;
}

const LEARNING_RATE = 1e-4;
const ADAPTER_SEED = 1;

/** Deterministic token ids with every prediction weighted 1 (SFT-like), so the loss and its gradient are dense. */
export function benchSequences(batch: TrainBatch, vocabSize: number): TrainSequence[] {
  return Array.from({ length: batch.sequences }, (_, s) => ({
    ids: Array.from({ length: batch.tokens }, (_, t) => (s * 131 + t * 31 + 7) % vocabSize),
    weights: new Float32Array(batch.tokens).fill(1),
  }));
}

/**
 * Runs `body` with a Trainer holding a fresh rank-`rank` adapter on all seven projections; afterwards frees the
 * trainer and its adapter and puts back whatever adapter the model had.
 */
async function withLoraTrainer<T>(model: Decoder, rank: number, maxTokens: number, checkpointing: boolean, body: (trainer: Trainer) => Promise<T>): Promise<T> {
  const previous = model.lora;
  const adapter = initLoraAdapter(model.config, loraConfig({ rank }), ADAPTER_SEED);
  const trainer = new Trainer(model, { mode: 'lora', adapter, maxTokens, checkpointing });
  try {
    return await body(trainer);
  } finally {
    trainer.destroy();
    trainer.lora?.destroy();
    model.lora = previous;
  }
}

/** One optimizer step on one micro-batch: zero the gradients, forward + fused loss + backward, AdamW. */
async function trainStep(trainer: Trainer, seqs: TrainSequence[]): Promise<void> {
  trainer.zeroGrads();
  await trainer.microBatch(seqs);
  await trainer.step(LEARNING_RATE);
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

export interface LoraStepTiming {
  /** Training tokens per second of the best step. */
  trainTokS: number;
  stepSeconds: number;
  /** The best forward of the same rows (layers with the adapter, then the fused loss's log p; no backward). */
  forwardSeconds: number;
  stepOverForward: number;
}

/**
 * Times LoRA training steps (rank `rank` on all seven projections, no checkpointing: the trainer's default)
 * against forward passes of the same micro-batch through the same trainer. After one warm-up of each (which
 * compiles every pipeline), steps and forwards alternate `runs` times and the best of each counts, so load
 * from other processes on a shared machine weighs on both alike.
 */
export async function timeLoraStep(model: Decoder, batch: TrainBatch, rank: number, runs: number): Promise<LoraStepTiming> {
  const seqs = benchSequences(batch, model.config.vocabSize);
  const tokens = batch.sequences * batch.tokens;
  return withLoraTrainer(model, rank, tokens, false, async (trainer) => {
    await trainStep(trainer, seqs);
    await trainer.logprobs(seqs);
    let [stepSeconds, forwardSeconds] = [Infinity, Infinity];
    for (let run = 0; run < runs; run++) {
      stepSeconds = Math.min(stepSeconds, await seconds(() => trainStep(trainer, seqs)));
      forwardSeconds = Math.min(forwardSeconds, await seconds(() => trainer.logprobs(seqs)));
    }
    return { trainTokS: tokens / stepSeconds, stepSeconds, forwardSeconds, stepOverForward: stepSeconds / forwardSeconds };
  });
}

export interface TrainingMemory {
  /** The most bytes held at once: weights, the trainer's workspace, fused-loss scratch, adapter, AdamW state. */
  peakBytes: number;
  /** Tokens per sequence the dispatched micro-batch had (0: the trainer was built but nothing ran). */
  dispatchedTokens: number;
}

export interface TrainingMemoryReport {
  weightBytes: number;
  checkpointing: TrainingMemory;
  noCheckpointing: TrainingMemory;
}

export interface TrainingMemoryOptions {
  rank: number;
  batch: TrainBatch;
  /**
   * Tokens per sequence of the one micro-batch (and step) run through the checkpointed trainer; 0 runs none.
   * The trainer allocates its workspace for the whole batch up front, so a short micro-batch touches the same
   * buffers; only its per-call inputs (a few bytes a token) are smaller.
   */
  dispatchTokens: number;
}

/**
 * GPU memory for LoRA training of `config` in q4 (output matrix kept in f32, as the fused loss reads it) on
 * `batch`: zero q4 weights go through the real uploader once, then a Trainer with activation checkpointing is
 * built (and runs one micro-batch + step when `dispatchTokens` > 0), then one without checkpointing is built but
 * not run (running it would touch every layer's activations: gigabytes of host memory on a software adapter).
 */
export async function measureTrainingMemory(device: GPUDevice, config: ModelConfig, o: TrainingMemoryOptions): Promise<TrainingMemoryReport> {
  const weights = trackAllocations(device);
  let model: Decoder | undefined;
  try {
    model = new Decoder(device, await uploadFromReader(device, zeroQ4Reader(config), 'q4', undefined, { keepOutputF32: true }), new ByteTokenizer(), 'zero q4');
    await device.queue.onSubmittedWorkDone();
    const weightBytes = weights.live;
    const checkpointing = await trainerMemory(model, weightBytes, o, true, o.dispatchTokens);
    const noCheckpointing = await trainerMemory(model, weightBytes, o, false, 0);
    return { weightBytes, checkpointing, noCheckpointing };
  } finally {
    weights.stop();
    model?.destroy();
  }
}

/** Peak bytes while one Trainer exists on `model` (whose weights hold `weightBytes`), with an optional step. */
async function trainerMemory(model: Decoder, weightBytes: number, o: TrainingMemoryOptions, checkpointing: boolean, dispatchTokens: number): Promise<TrainingMemory> {
  const tracker = trackAllocations(model.device);
  try {
    const maxTokens = o.batch.sequences * o.batch.tokens;
    await withLoraTrainer(model, o.rank, maxTokens, checkpointing, async (trainer) => {
      if (dispatchTokens > 0) await trainStep(trainer, benchSequences({ sequences: o.batch.sequences, tokens: dispatchTokens }, model.config.vocabSize));
      await model.device.queue.onSubmittedWorkDone();
    });
    return { peakBytes: weightBytes + tracker.peak, dispatchedTokens: dispatchTokens };
  } finally {
    tracker.stop();
  }
}
