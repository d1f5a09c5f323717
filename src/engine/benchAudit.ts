// The readiness audit of `primer bench`: how the engine's dispatches would fill a real GPU, counted from the
// dispatches it really records (dispatchAudit.ts) on a Qwen2.5-0.5B-shaped model with zero q4 weights, for a
// kernel family. Nothing is executed, so the figures are the same on any adapter:
// - decode: one batch-1 decode step at 1,024 cached positions; its dispatch count, and the fewest threads of
//   any product or attention dispatch in it (a dispatch of fewer threads than the GPU has lanes idles it);
// - training: one 4 × 512 LoRA rank-16 step (checkpointing, as on a laptop); the fewest threads of any
//   dispatch doing at least 10 MFLOP.
import { zeroReader } from './benchModel.ts';
import { benchSequences, trainStep, withLoraTrainer } from './benchTrain.ts';
import { minThreads, recordDispatches, type RecordedDispatch } from './dispatchAudit.ts';
import { generateIds } from './generate.ts';
import { kernelSettings, useKernels, type KernelFamily } from './kernelFamily.ts';
import type { ModelConfig } from './model/config.ts';
import { Decoder } from './model/decoder.ts';
import { uploadFromReader } from './model/gpuWeights.ts';
import { ByteTokenizer } from './tokenizer.ts';

export const AUDIT_CACHED_POSITIONS = 1024;
export const AUDIT_TRAIN_BATCH = { sequences: 4, tokens: 512 };
export const AUDIT_LORA_RANK = 16;
/** Dispatches below this much work are not expected to fill a GPU. */
const TRAIN_MIN_FLOPS = 10e6;

export interface DispatchAudit {
  family: KernelFamily;
  decodeDispatchesPerToken: number;
  decodeMinThreads: number;
  trainMinThreads: number;
  /** The decode target: at most 8 dispatches per layer + 6. */
  decodeDispatchBudget: number;
}

/** Dispatches recorded while `work` runs on `device` (encoded, not executed). */
async function recorded(device: GPUDevice, work: (marks: number[], log: RecordedDispatch[]) => Promise<void>) {
  const recorder = recordDispatches(device, { execute: false });
  const marks: number[] = [];
  try {
    await work(marks, recorder.dispatches);
  } finally {
    recorder.stop();
  }
  return { dispatches: recorder.dispatches, marks };
}

/** What the audit runs: a decode step over `cachedPositions`, and a LoRA step on `trainBatch`. */
export interface AuditShape {
  cachedPositions: number;
  trainBatch: { sequences: number; tokens: number };
}

const QWEN_AUDIT: AuditShape = { cachedPositions: AUDIT_CACHED_POSITIONS, trainBatch: AUDIT_TRAIN_BATCH };

async function decodeStep(model: Decoder, cachedPositions: number): Promise<RecordedDispatch[]> {
  const prompt = Array.from({ length: cachedPositions - 1 }, (_, i) => i % model.config.vocabSize);
  const eos = model.config.eosTokenIds;
  model.config.eosTokenIds = [];
  try {
    // Step 0 samples from the prefill; step 1 decodes the token at position 1,023 over 1,024 cached positions.
    const { dispatches, marks } = await recorded(model.device, (marks, log) =>
      generateIds(model, [prompt], { maxTokens: 2, temperature: 0 }, { onStep: () => marks.push(log.length) }).then(
        () => {},
      ),
    );
    return dispatches.slice(marks[0], marks[1]);
  } finally {
    model.config.eosTokenIds = eos;
  }
}

async function trainingStep(model: Decoder, batch: AuditShape['trainBatch']): Promise<RecordedDispatch[]> {
  const seqs = benchSequences(batch, model.config.vocabSize);
  const tokens = batch.sequences * batch.tokens;
  const { dispatches } = await recorded(model.device, () =>
    withLoraTrainer(model, AUDIT_LORA_RANK, tokens, true, (trainer) => trainStep(trainer, seqs)),
  );
  return dispatches;
}

/** A zero-weight q4 model of `config` (the output matrix kept f32 for training, as the trainer needs), for `use`. */
async function withZeroModel<T>(
  device: GPUDevice,
  config: ModelConfig,
  keepOutputF32: boolean,
  use: (model: Decoder) => Promise<T>,
): Promise<T> {
  const weights = await uploadFromReader(device, zeroReader(config), 'none', undefined, { keepOutputF32 });
  const model = new Decoder(device, weights, new ByteTokenizer(), 'zero q4');
  try {
    return await use(model);
  } finally {
    model.destroy();
  }
}

/**
 * The audit of each of `families` on `config` (see the file header; `shape` replaces Qwen2.5-0.5B's step sizes for
 * a small model); the device's own family is put back afterwards.
 */
export async function auditDispatches(
  device: GPUDevice,
  config: ModelConfig,
  families: readonly KernelFamily[],
  shape: AuditShape = QWEN_AUDIT,
): Promise<DispatchAudit[]> {
  const own = kernelSettings(device);
  const eachFamily = async <T>(model: Decoder, step: (model: Decoder) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    for (const family of families) {
      useKernels(device, family);
      out.push(await step(model));
    }
    return out;
  };
  try {
    const decode = await withZeroModel(device, config, false, (model) =>
      eachFamily(model, (m) => decodeStep(m, shape.cachedPositions)),
    );
    const train = await withZeroModel(device, config, true, (model) =>
      eachFamily(model, (m) => trainingStep(m, shape.trainBatch)),
    );
    return families.map((family, i) => ({
      family,
      decodeDispatchesPerToken: decode[i].length,
      decodeMinThreads: minThreads(decode[i], (d) => d.kind !== 'other'),
      trainMinThreads: minThreads(train[i], (d) => d.flops >= TRAIN_MIN_FLOPS),
      decodeDispatchBudget: 8 * config.numLayers + 6,
    }));
  } finally {
    useKernels(device, own.family, { subgroups: own.subgroups });
  }
}
