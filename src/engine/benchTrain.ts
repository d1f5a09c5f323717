// Training figures for `primer bench` (Engine II): LoRA step throughput and its cost over a forward pass, timed
// through the Trainer itself; GRPO rollout throughput with the policy's adapter attached; and the GPU memory LoRA
// training needs, counted from the buffers the engine creates (memory.ts) while a Trainer is built on a
// zero-weight checkpoint (and, where asked, runs a micro-batch and a step).
import { timeGeneration, zeroReader, type GenerationTiming } from './benchModel.ts';
import { align4 } from './compute.ts';
import { initLoraAdapter } from './lora/adapter.ts';
import { loraConfig } from './lora/config.ts';
import { GpuLoraAdapter } from './lora/gpuAdapter.ts';
import { trackAllocations } from './memory.ts';
import { createLayerActs, destroyLayerActs } from './model/activations.ts';
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
/** The warm-up batch: enough to compile every pipeline a step and a forward use, cheap to run. */
const WARM_UP: TrainBatch = { sequences: 2, tokens: 8 };

/** Deterministic token ids with every prediction weighted 1 (SFT-like), so the loss and its gradient are dense. */
export function benchSequences(batch: TrainBatch, vocabSize: number): TrainSequence[] {
  return Array.from({ length: batch.sequences }, (_, s) => ({
    ids: Array.from({ length: batch.tokens }, (_, t) => (s * 131 + t * 31 + 7) % vocabSize),
    weights: new Float32Array(batch.tokens).fill(1),
  }));
}

function freshAdapter(model: Decoder, rank: number) {
  return initLoraAdapter(model.config, loraConfig({ rank }), ADAPTER_SEED);
}

/**
 * Runs `body` with a Trainer holding a fresh rank-`rank` adapter on all seven projections; afterwards frees the
 * trainer and its adapter and puts back whatever adapter the model had.
 */
export async function withLoraTrainer<T>(
  model: Decoder,
  rank: number,
  maxTokens: number,
  checkpointing: boolean,
  body: (trainer: Trainer) => Promise<T>,
): Promise<T> {
  const previous = model.lora;
  const trainer = new Trainer(model, { mode: 'lora', adapter: freshAdapter(model, rank), maxTokens, checkpointing });
  try {
    return await body(trainer);
  } finally {
    trainer.destroy();
    trainer.lora?.destroy();
    model.lora = previous;
  }
}

/** One optimizer step on one micro-batch: zero the gradients, forward + fused loss + backward, AdamW. */
export async function trainStep(trainer: Trainer, seqs: TrainSequence[]): Promise<void> {
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
 * against forward passes of the same micro-batch through the same trainer. After a small warm-up of each (which
 * compiles every pipeline), steps and forwards alternate `runs` times and the best of each counts, so load from
 * other processes on a shared machine weighs on both alike.
 */
export async function timeLoraStep(
  model: Decoder,
  batch: TrainBatch,
  rank: number,
  runs: number,
): Promise<LoraStepTiming> {
  const seqs = benchSequences(batch, model.config.vocabSize);
  const tokens = batch.sequences * batch.tokens;
  return withLoraTrainer(model, rank, tokens, false, async (trainer) => {
    const warmUp = benchSequences(WARM_UP, model.config.vocabSize);
    await trainStep(trainer, warmUp);
    await trainer.logprobs(warmUp);
    let [stepSeconds, forwardSeconds] = [Infinity, Infinity];
    for (let run = 0; run < runs; run++) {
      stepSeconds = Math.min(stepSeconds, await seconds(() => trainStep(trainer, seqs)));
      forwardSeconds = Math.min(forwardSeconds, await seconds(() => trainer.logprobs(seqs)));
    }
    return {
      trainTokS: tokens / stepSeconds,
      stepSeconds,
      forwardSeconds,
      stepOverForward: stepSeconds / forwardSeconds,
    };
  });
}

/**
 * A GRPO group's rollout: `group` rows sampled at temperature 1 from one `promptTokens`-token prompt (prefilled
 * once), `completionTokens` each, with a fresh rank-`rank` adapter attached as the policy being trained has.
 * Best of `runs` after a short warm-up; rolloutTokS counts every row's tokens over the whole call.
 */
export async function timeGrpoRollout(
  model: Decoder,
  group: number,
  promptTokens: number,
  completionTokens: number,
  rank: number,
  runs: number,
): Promise<GenerationTiming> {
  const previous = model.lora;
  const adapter = GpuLoraAdapter.upload(model.device, freshAdapter(model, rank));
  model.lora = adapter;
  try {
    await timeGeneration(model, group, promptTokens, 2, 1, 1);
    return await timeGeneration(model, group, promptTokens, completionTokens - 1, runs, 1);
  } finally {
    model.lora = previous;
    adapter.destroy();
  }
}

export interface TrainingMemory {
  weightBytes: number;
  /** The most bytes held at once with activation checkpointing: weights, workspace, loss scratch, adapter, AdamW. */
  checkpointingBytes: number;
  /**
   * The same without checkpointing: the checkpointed figure less the kept layer inputs, plus every layer's
   * saved activations (one layer's set measured as allocated). Derived, because building it would commit
   * gigabytes of host memory on a software adapter.
   */
  noCheckpointingBytes: number;
  /** Tokens per sequence of the micro-batch the checkpointed trainer ran (0: built, nothing dispatched). */
  dispatchedTokens: number;
}

export interface TrainingMemoryOptions {
  rank: number;
  batch: TrainBatch;
  /**
   * Tokens per sequence of one micro-batch (and step) to run; 0 runs none. The trainer allocates its workspace,
   * loss scratch, adapter and AdamW state for the whole batch up front, so a short micro-batch uses the same
   * buffers; what it adds (per-call inputs, uniforms, read-back staging) is a few bytes a token.
   */
  dispatchTokens: number;
}

/**
 * GPU memory for LoRA training of `config` in q4 with the output matrix kept in f32 (the fused loss reads it in
 * f32) on `batch`: zero q4 weights go through the real uploader, then a Trainer with activation checkpointing
 * (the laptop setting) is built for the whole batch, and runs one micro-batch and step if `dispatchTokens` > 0.
 */
export async function measureTrainingMemory(
  device: GPUDevice,
  config: ModelConfig,
  o: TrainingMemoryOptions,
): Promise<TrainingMemory> {
  const tracker = trackAllocations(device);
  let model: Decoder | undefined;
  try {
    model = new Decoder(
      device,
      await uploadFromReader(device, zeroReader(config), 'q4', undefined, { keepOutputF32: true }),
      new ByteTokenizer(),
      'zero q4',
    );
    await device.queue.onSubmittedWorkDone();
    const weightBytes = tracker.live;
    const R = o.batch.sequences * o.batch.tokens;
    await withLoraTrainer(model, o.rank, R, true, async (trainer) => {
      if (o.dispatchTokens > 0)
        await trainStep(
          trainer,
          benchSequences({ sequences: o.batch.sequences, tokens: o.dispatchTokens }, config.vocabSize),
        );
      await device.queue.onSubmittedWorkDone();
    });
    const checkpointingBytes = tracker.peak;
    const layerInputs = config.numLayers * align4(R * config.hiddenSize * 4);
    const allLayers = (config.numLayers - 1) * layerActivationBytes(device, config, R, o.rank);
    return {
      weightBytes,
      checkpointingBytes,
      noCheckpointingBytes: checkpointingBytes - layerInputs + allLayers,
      dispatchedTokens: o.dispatchTokens,
    };
  } finally {
    tracker.stop();
    model?.destroy();
  }
}

/** Bytes of the activations a training forward saves for one layer of R rows, allocated and freed again. */
function layerActivationBytes(device: GPUDevice, config: ModelConfig, R: number, rank: number): number {
  const tracker = trackAllocations(device);
  try {
    destroyLayerActs(createLayerActs(device, config, R, rank));
    return tracker.peak;
  } finally {
    tracker.stop();
  }
}
