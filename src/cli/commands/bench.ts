// `primer bench [--model DIR] [--quant none|f16|f32|q4] [--prompt-tokens N] [--decode-tokens N]`: measured
// throughput of this machine's WebGPU adapter: the FMA peak, the matmul kernels at Qwen2.5-0.5B's MLP shape,
// prefill and decode of a whole model (the given one, or a synthetic one small enough for a software adapter;
// decode again with the text streamed as a page showing it live receives it),
// and the GPU memory Qwen2.5-0.5B needs at a 2,048-token context (q4, and bf16 kept 16-bit); then Engine II's
// training figures: LoRA training throughput and its cost over a forward pass, GRPO rollout throughput (both on
// the synthetic model), and the GPU memory of LoRA training Qwen2.5-0.5B at batch 4 × 512. The last line
// printed is one JSON object with every figure. Last, the readiness audit (benchAudit.ts) of both kernel families
// on Qwen2.5-0.5B's shape, and the adapter's memory bandwidth (a streaming copy).
import {
  measureInferenceMemory,
  syntheticDecoder,
  timeGeneration,
  type GenerationTiming,
} from '../../engine/benchModel.ts';
import { measureTrainingMemory, timeGrpoRollout, timeLoraStep } from '../../engine/benchTrain.ts';
import { auditDispatches } from '../../engine/benchAudit.ts';
import { measureFmaPeak } from '../../engine/fmaProbe.ts';
import type { KernelFamily } from '../../engine/kernelFamily.ts';
import { measureMemoryBandwidth } from '../../engine/memoryProbe.ts';
import { requestGpu } from '../../engine/gpu.ts';
import { benchMatmulF32, benchQ4Decode, benchQ4Matmul } from '../../engine/kernels/bench.ts';
import { findModel } from '../../engine/model/catalog.ts';
import type { Decoder } from '../../engine/model/decoder.ts';
import { openDecoder } from '../../engine/openDecoder.ts';
import { TextBatcher } from '../../app/textBatcher.ts';
import { parseCommand, type CommandSpec } from '../args.ts';
import { MODEL_FLAG, modelDirFlag, quantFlag } from '../modelFlags.ts';

type Figures = Record<string, string | number | boolean>;

/** What a page showing the solutions live gets: every row's text, coalesced per frame as the Worker does. */
function streamText(): (row: number, delta: string) => void {
  const texts: string[] = [];
  const batcher = new TextBatcher((row, delta) => (texts[row] = (texts[row] ?? '') + delta));
  return (row, delta) => batcher.push(row, delta);
}

const MLP = { M: 256, N: 4864, K: 896 }; // a 256-token prefill through Qwen2.5-0.5B's gate/up projection
const BATCH = 16;
const RUNS = 2;
/** Decode with streaming off and on: best of this many calls of each, taking turns. */
const DECODE_RUNS = 3;
const MEMORY_MODEL = 'Qwen/Qwen2.5-0.5B-Instruct';
const MEMORY_POSITIONS = 2048;
const LORA_RANK = 16;
const TRAIN_BATCH = { sequences: 4, tokens: 128 }; // timed on the synthetic model
const MEMORY_BATCH = { sequences: 4, tokens: 512 }; // Qwen2.5-0.5B's training memory
const GRPO = { group: 8, promptTokens: 128, completionTokens: 64 };

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function kernelFigures(device: GPUDevice, figures: Figures): Promise<void> {
  const { M, N, K } = MLP;
  const fma = await measureFmaPeak(device);
  console.log(`f32 FMA peak: ${fma.toFixed(2)} GFLOP/s`);
  const f32 = await benchMatmulF32(device, M, N, K, 3);
  const q4 = await benchQ4Matmul(device, M, N, K, 3);
  console.log(`matmul ${M}×${N}×${K}: f32 ${f32.toFixed(2)} GFLOP/s, q4 ${q4.toFixed(2)} GFLOP/s (best of 3)`);
  const decode1 = await benchQ4Decode(device, 1, N, K);
  const decode16 = await benchQ4Decode(device, BATCH, N, K);
  console.log(
    `q4 decode product ${N}×${K}: ${decode1.toFixed(2)} GB/s of weights at batch 1 (GEMV), ${decode16.toFixed(2)} GB/s at batch ${BATCH} (short-tile GEMM; one read of the weights serves ${BATCH} rows)`,
  );
  Object.assign(figures, {
    fma_peak_gflops: round(fma),
    matmul_f32_gflops: round(f32),
    q4_matmul_gflops: round(q4),
    q4_decode_b1_gbs: round(decode1),
    q4_decode_b16_gbs: round(decode16),
  });
}

async function modelFigures(
  model: Decoder,
  promptTokens: number,
  decodeTokens: number,
  figures: Figures,
): Promise<void> {
  console.log(`model: ${model.name}`);
  // Warm-up: compiles every pipeline the timed runs use.
  await timeGeneration(model, 1, promptTokens, 2);
  await timeGeneration(model, BATCH, promptTokens, 2);
  // Streaming off and on take turns, so a load that comes and goes on a shared machine slows both alike.
  const best = (a: GenerationTiming, b: GenerationTiming): GenerationTiming => ({
    prefillTokS: Math.max(a.prefillTokS, b.prefillTokS),
    decodeTokS: Math.max(a.decodeTokS, b.decodeTokS),
    rolloutTokS: Math.max(a.rolloutTokS, b.rolloutTokS),
  });
  const time = (batch: number, onText?: (row: number, delta: string) => void) =>
    timeGeneration(model, batch, promptTokens, decodeTokens, 1, 0, onText);
  const none: GenerationTiming = { prefillTokS: 0, decodeTokS: 0, rolloutTokS: 0 };
  let [one, many, streamedOne, streamedMany] = [none, none, none, none];
  for (let run = 0; run < DECODE_RUNS; run++) {
    one = best(one, await time(1));
    streamedOne = best(streamedOne, await time(1, streamText()));
    many = best(many, await time(BATCH));
    streamedMany = best(streamedMany, await time(BATCH, streamText()));
  }
  const speedup = many.decodeTokS / one.decodeTokS;
  console.log(`prefill of ${promptTokens} tokens: ${one.prefillTokS.toFixed(1)} tok/s (best of ${DECODE_RUNS})`);
  console.log(
    `decode of ${decodeTokens} tokens: ${one.decodeTokS.toFixed(1)} tok/s at batch 1, ${many.decodeTokS.toFixed(1)} tok/s at batch ${BATCH} (${speedup.toFixed(1)}×, target ≥ 6×; best of ${DECODE_RUNS})`,
  );
  console.log(
    `decode with streaming on (each row's text batched per frame, as the engine Worker sends it): ${streamedOne.decodeTokS.toFixed(1)} tok/s at batch 1, ${streamedMany.decodeTokS.toFixed(1)} tok/s at batch ${BATCH} (best of ${DECODE_RUNS}, taking turns with streaming off)`,
  );
  Object.assign(figures, {
    decode_tok_s_b1_streaming: round(streamedOne.decodeTokS),
    decode_tok_s_b16_streaming: round(streamedMany.decodeTokS),
    model: model.name,
    prefill_tok_s: round(one.prefillTokS),
    decode_tok_s_b1: round(one.decodeTokS),
    decode_tok_s_b16: round(many.decodeTokS),
    decode_b16_speedup: round(speedup),
  });
}

async function memoryFigures(device: GPUDevice, figures: Figures): Promise<void> {
  const config = findModel(MEMORY_MODEL).config;
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const memory = await measureInferenceMemory(device, config, MEMORY_POSITIONS);
  console.log(
    `${MEMORY_MODEL} q4 at ${MEMORY_POSITIONS} positions: ${mb(memory.peakBytes)} MB of GPU buffers at peak (weights ${mb(memory.weightBytes)} MB; target < 600 MB)`,
  );
  const bf16 = await measureInferenceMemory(device, config, MEMORY_POSITIONS, 'bf16');
  console.log(
    `${MEMORY_MODEL} kept bf16 (--quant none) at ${MEMORY_POSITIONS} positions: ${mb(bf16.peakBytes)} MB at peak (weights ${mb(bf16.weightBytes)} MB, half of f32)`,
  );
  Object.assign(figures, { qwen05_q4_gpu_bytes_2k: memory.peakBytes, qwen05_bf16_gpu_bytes_2k: bf16.peakBytes });
}

async function trainingFigures(device: GPUDevice, figures: Figures): Promise<void> {
  const model = syntheticDecoder(device, { keepOutputF32: true });
  try {
    const { sequences, tokens } = TRAIN_BATCH;
    const step = await timeLoraStep(model, TRAIN_BATCH, LORA_RANK, RUNS);
    console.log(
      `LoRA training (rank ${LORA_RANK}, all 7 projections) on ${sequences} × ${tokens} tokens: ${step.trainTokS.toFixed(1)} tok/s (step ${step.stepSeconds.toFixed(2)} s: forward + fused loss + backward + AdamW; best of ${RUNS})`,
    );
    console.log(
      `LoRA step / forward of the same rows: ${step.stepOverForward.toFixed(2)}× (forward ${step.forwardSeconds.toFixed(2)} s; target ≤ 3.5×)`,
    );
    const { group, promptTokens, completionTokens } = GRPO;
    const rollout = await timeGrpoRollout(model, group, promptTokens, completionTokens, LORA_RANK, RUNS);
    console.log(
      `GRPO rollout, G = ${group} sharing a ${promptTokens}-token prompt, ${completionTokens} tokens each at temperature 1 (adapter attached): ${rollout.rolloutTokS.toFixed(1)} tok/s (best of ${RUNS})`,
    );
    Object.assign(figures, {
      train_tok_s: round(step.trainTokS),
      lora_step_over_forward: round(step.stepOverForward),
      grpo_rollout_tok_s: round(rollout.rolloutTokS),
    });
  } finally {
    model.destroy();
  }
}

async function trainingMemoryFigures(device: GPUDevice, figures: Figures): Promise<void> {
  // Built, not run: even a 4 × 2-token step through Qwen2.5-0.5B takes ~45 s on a software adapter.
  const memory = await measureTrainingMemory(device, findModel(MEMORY_MODEL).config, {
    rank: LORA_RANK,
    batch: MEMORY_BATCH,
    dispatchTokens: 0,
  });
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const { sequences, tokens } = MEMORY_BATCH;
  const how =
    memory.dispatchedTokens > 0
      ? `one step run on ${sequences} × ${memory.dispatchedTokens} tokens`
      : 'trainer built, no step dispatched';
  console.log(
    `${MEMORY_MODEL} q4 LoRA training (rank ${LORA_RANK}) at ${sequences} × ${tokens} tokens with checkpointing: ${mb(memory.checkpointingBytes)} MB of GPU buffers at peak (weights ${mb(memory.weightBytes)} MB with the output matrix in f32; ${how}; target < 2500 MB)`,
  );
  console.log(
    `  without checkpointing: ${mb(memory.noCheckpointingBytes)} MB (derived: every layer's saved activations instead of its input)`,
  );
  Object.assign(figures, {
    qwen05_lora_gpu_bytes_b4x512: memory.checkpointingBytes,
    qwen05_lora_gpu_bytes_b4x512_no_checkpointing: memory.noCheckpointingBytes,
  });
}

async function auditFigures(device: GPUDevice, own: KernelFamily, figures: Figures): Promise<void> {
  const membw = await measureMemoryBandwidth(device);
  const q4Share = Number(figures.q4_decode_b1_gbs) / membw;
  console.log(
    `memory bandwidth (streaming copy): ${membw.toFixed(2)} GB/s; q4 decode GEMV at batch 1 reaches ${(100 * q4Share).toFixed(0)}% of it`,
  );
  figures.membw_gbs = round(membw);
  const audits = await auditDispatches(device, findModel(MEMORY_MODEL).config, ['gpu', 'emulator']);
  for (const a of audits) {
    console.log(
      `audit, ${a.family} kernels on ${MEMORY_MODEL}: ${a.decodeDispatchesPerToken} dispatches per decode token (target ≤ ${a.decodeDispatchBudget}), fewest threads of a decode product/attention ${a.decodeMinThreads} (target ≥ 4096), of a ≥ 10 MFLOP training dispatch ${a.trainMinThreads} (target ≥ 16384)`,
    );
    const keys = {
      decode_dispatches_per_token: a.decodeDispatchesPerToken,
      decode_min_threads: a.decodeMinThreads,
      train_min_threads: a.trainMinThreads,
    };
    for (const [key, value] of Object.entries(keys)) {
      figures[`${a.family}_${key}`] = value;
      if (a.family === own) figures[key] = value;
    }
  }
}

export const spec = {
  summary: "measures this machine's WebGPU adapter: kernels, a model's prefill and decode, training, memory",
  flags: {
    model: { ...MODEL_FLAG, required: false, help: 'the model to time (default: a synthetic one)' },
    quant: quantFlag('q4'),
    'prompt-tokens': { type: 'number', integer: true, min: 1, default: 128, help: 'prompt length for prefill' },
    'decode-tokens': { type: 'number', integer: true, min: 1, default: 32, help: 'tokens decoded' },
  },
  notes: ['The last line printed is one JSON object with every figure.'],
} as const satisfies CommandSpec;

export async function run(args: string[]): Promise<void> {
  const { values: v, flags } = parseCommand('bench', spec, args);
  const { 'prompt-tokens': promptTokens, 'decode-tokens': decodeTokens, quant: quantization } = v;
  const dir = v.model === undefined ? undefined : await modelDirFlag(flags);
  const { device, info } = await requestGpu();
  const adapter = `${info.vendor} ${info.architecture}`;
  console.log(`adapter: ${adapter}${info.isSoftware ? ' (software: these figures say nothing about a real GPU)' : ''}`);
  console.log(`kernels: the ${info.kernels} family (PRIMER_KERNELS=gpu|emulator forces one)`);
  const figures: Figures = { adapter, software: info.isSoftware, kernels: info.kernels };
  await kernelFigures(device, figures);
  const model = dir
    ? await openDecoder(device, { source: 'path', dir, quantization, idsOnly: true })
    : syntheticDecoder(device);
  await modelFigures(model, promptTokens, decodeTokens, figures);
  model.destroy();
  await memoryFigures(device, figures);
  await trainingFigures(device, figures);
  await trainingMemoryFigures(device, figures);
  await auditFigures(device, info.kernels, figures);
  device.destroy();
  console.log(JSON.stringify(figures));
}
