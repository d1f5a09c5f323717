// What `primer sft` and `primer grpo` share: the output folder (the trained files and checkpoint-STEP.bin
// files), the checkpoint to resume from, the model loaded for training, and the time-left text.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requestGpu } from '../engine/gpu.ts';
import type { Decoder } from '../engine/model/decoder.ts';
import { openDecoder } from '../engine/openDecoder.ts';
import type { TrainMethod } from '../engine/train/trainLoop.ts';
import { flag, requireFlag, type Flags, type FlagSpec } from './args.ts';
import { attachPeftAdapter, modelDirFlag, quantFlag, quantizationFlag } from './modelFlags.ts';
import { checkOutputFolder, refuseInputAsOutput } from './outputs.ts';

/** The flags `sft` and `grpo` share beyond the cell's fields: how the run is held in memory and resumed. */
export const TRAINING_FLAGS = {
  quant: quantFlag(undefined, '; default: q4 for LoRA, f32 for --method full'),
  'micro-batch-tokens': {
    type: 'number',
    integer: true,
    min: 1,
    default: 2048,
    help: 'tokens per forward/backward pass (a step accumulates passes)',
  },
  checkpointing: { type: 'switch', help: 'recompute activations in the backward pass: less memory, more time' },
  resume: { type: 'text', placeholder: 'FILE', help: 'a checkpoint-STEP.bin of an earlier run of this command' },
} as const satisfies Record<string, FlagSpec>;

/**
 * Loads --model for training: LoRA keeps the layers in q4 by default (--quant none keeps the checkpoint's
 * precision), full training widens every weight to f32. The output matrix stays f32 either way (the fused loss reads it so). --adapter attaches a PEFT
 * adapter to continue from.
 */
export async function trainingModel(flags: Flags, method: TrainMethod): Promise<{ device: GPUDevice; model: Decoder }> {
  let quantization = quantizationFlag(flags, method === 'full' ? 'f32' : 'q4');
  if (method === 'full') {
    if (quantization !== 'f32' && quantization !== 'none')
      throw new Error(`--method full trains f32 weights: drop --quant ${quantization}`);
    quantization = 'f32';
  }
  const dir = await modelDirFlag(flags);
  const { device } = await requestGpu();
  const model = await openDecoder(device, { source: 'path', dir, quantization, keepOutputF32: true });
  const adapterDir = flag(flags, 'adapter');
  if (adapterDir !== undefined) console.log(await attachPeftAdapter(model, adapterDir));
  return { device, model };
}

/** The files a training command writes into --out (`extra`: its own, such as rollouts.jsonl). */
function trainingFile(extra: string[]) {
  const trained = ['adapter_model.safetensors', 'adapter_config.json', 'model.safetensors', 'config.json', ...extra];
  return (name: string) => trained.includes(name) || /^checkpoint-\d+\.bin$/.test(name);
}

/**
 * --out DIR, checked before anything is read or written: not the --model or --adapter folder, and not a folder
 * holding an earlier run's files unless --force or --resume. open() creates it once the inputs are known good;
 * checkpoints go to DIR/checkpoint-STEP.bin.
 */
export function outputFolder(flags: Flags, extraFiles: string[] = []) {
  const dir = requireFlag(flags, 'out');
  refuseInputAsOutput(dir, [
    ['--model', flag(flags, 'model')],
    ['--adapter', flag(flags, 'adapter')],
  ]);
  checkOutputFolder(flags, dir, trainingFile(extraFiles));
  return {
    dir,
    open: () =>
      mkdir(dir, { recursive: true }).then(
        () => undefined,
        (err: Error) => {
          throw new Error(`--out ${dir}: cannot create the folder (${err.message})`);
        },
      ),
    saveCheckpoint: async (step: number, bytes: Uint8Array) => {
      const path = join(dir, `checkpoint-${step}.bin`);
      await writeFile(path, bytes);
      console.log(`checkpoint ${path}`);
    },
    saveFiles: async (files: Record<string, Uint8Array>) => {
      for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
      console.log(`wrote ${Object.keys(files).sort().join(', ')} to ${dir}`);
    },
  };
}

/** --resume FILE: a checkpoint written by an earlier run of the same command. */
export async function resumeFlag(flags: Flags): Promise<Uint8Array | undefined> {
  const path = flag(flags, 'resume');
  if (path === undefined) return undefined;
  const bytes = await readFile(path).catch(() => {
    throw new Error(`--resume ${path}: cannot read the file`);
  });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** 95 → "1:35", 4000 → "1:06:40". */
export function clockText(seconds: number): string {
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
