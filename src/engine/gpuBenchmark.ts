// "Benchmark this GPU" (the app's GPU panel runs it in the engine Worker): the probes of `primer bench` at sizes a
// software adapter finishes in seconds. FMA GFLOP/s (fmaProbe.ts), memory bandwidth (memoryProbe.ts' streaming
// copy), and the decode and training throughput of a model of notebook 00's shape (4 layers, width 128, byte
// tokens, f32 weights, every weight trained as notebook 00 trains it), timed through generateIds and the Trainer,
// the paths a notebook's cells take. The per-token costs it measures are what notebookCost.ts scales to a notebook.
import { timeGeneration } from './benchModel.ts';
import { benchSequences } from './benchTrain.ts';
import { measureFmaPeak } from './fmaProbe.ts';
import { kernelFamily, type KernelFamily } from './kernelFamily.ts';
import { measureMemoryBandwidth } from './memoryProbe.ts';
import type { ModelConfig } from './model/config.ts';
import { Decoder } from './model/decoder.ts';
import { uploadWeights } from './model/gpuWeights.ts';
import { scratchConfig, scratchWeights, type ScratchOptions } from './model/scratch.ts';
import { ByteTokenizer } from './tokenizer.ts';
import { Trainer } from './train/trainer.ts';

/** The probe model: notebook 00's (a scratch model, so nothing is downloaded). */
export const PROBE_MODEL: ScratchOptions = { layers: 4, dim: 128, heads: 4, context: 256, seed: 1 };
/** Decode: a batch of rows sharing a short prompt, as a sample or RL cell decodes them together. */
const DECODE = { batch: 8, promptTokens: 16, tokens: 8 };
const TRAIN = { sequences: 2, tokens: 32 };
/** Compiles every pipeline of a training step, cheaply. */
const TRAIN_WARM_UP = { sequences: 1, tokens: 8 };
const LEARNING_RATE = 1e-4;

export interface GpuBenchmark {
  /** The kernel family the device runs (kernelFamily.ts). */
  kernels: KernelFamily;
  fma_gflops: number;
  membw_gbs: number;
  /** Decode tokens per second, every row of the batch together, of the probe model. */
  decode_tok_s: number;
  decode_batch: number;
  /** Training tokens per second (forward, loss, backward, AdamW over every weight) of the probe model. */
  train_tok_s: number;
  train_tokens_per_step: number;
  /** Forward FLOPs per token of the probe model: notebookCost.ts scales per-token costs by this. */
  probe_flops_per_token: number;
  seconds: number;
}

export type BenchmarkStage = 'fma' | 'bandwidth' | 'decode' | 'training';

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Forward FLOPs per token of a model: two per weight of every product, the output projection included. */
export function forwardFlopsPerToken(c: ModelConfig): number {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const layer = c.hiddenSize * (2 * q + 2 * kv) + 3 * c.hiddenSize * c.intermediateSize;
  return 2 * (c.numLayers * layer + c.vocabSize * c.hiddenSize);
}

async function trainTokS(model: Decoder): Promise<number> {
  const seqs = benchSequences(TRAIN, model.config.vocabSize);
  const tokens = TRAIN.sequences * TRAIN.tokens;
  const trainer = new Trainer(model, { mode: 'full', maxTokens: tokens });
  const step = async (batch = seqs) => {
    const t0 = performance.now();
    trainer.zeroGrads();
    await trainer.microBatch(batch);
    await trainer.step(LEARNING_RATE);
    return (performance.now() - t0) / 1000;
  };
  try {
    await step(benchSequences(TRAIN_WARM_UP, model.config.vocabSize));
    return tokens / Math.min(await step(), await step());
  } finally {
    trainer.destroy();
  }
}

/** Runs the probes on `device` (see the file header), reporting each stage as it starts. */
export async function runGpuBenchmark(
  device: GPUDevice,
  onStage: (stage: BenchmarkStage) => void = () => {},
): Promise<GpuBenchmark> {
  const t0 = performance.now();
  onStage('fma');
  const fma = await measureFmaPeak(device, 1 << 14, 256);
  onStage('bandwidth');
  const membw = await measureMemoryBandwidth(device, 8 << 20, 3);
  const config = scratchConfig(PROBE_MODEL);
  const weights = uploadWeights(device, config, scratchWeights(config, PROBE_MODEL.seed), 'f32');
  const model = new Decoder(device, weights, new ByteTokenizer(), 'benchmark probe');
  try {
    onStage('decode');
    await timeGeneration(model, DECODE.batch, DECODE.promptTokens, 2); // warm-up
    const decode = await timeGeneration(model, DECODE.batch, DECODE.promptTokens, DECODE.tokens, 2);
    onStage('training');
    const train = await trainTokS(model);
    return {
      kernels: kernelFamily(device),
      fma_gflops: round(fma),
      membw_gbs: round(membw),
      decode_tok_s: round(decode.decodeTokS, 1),
      decode_batch: DECODE.batch,
      train_tok_s: round(train, 1),
      train_tokens_per_step: TRAIN.sequences * TRAIN.tokens,
      probe_flops_per_token: forwardFlopsPerToken(config),
      seconds: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    model.destroy();
  }
}
