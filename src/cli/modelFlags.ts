// What the engine commands (logits, generate, bench) share: the model folder, the weight format on the GPU,
// and a PEFT adapter to run on top of the weights.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GpuLoraAdapter } from '../engine/lora/gpuAdapter.ts';
import { importPeftAdapter, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../engine/lora/peft.ts';
import type { Decoder } from '../engine/model/decoder.ts';
import type { Quantization } from '../engine/model/gpuWeights.ts';
import { flag, requireFlag, type Flags, type FlagSpec } from './args.ts';

const QUANTIZATIONS = ['none', 'f16', 'f32', 'q4'] as const satisfies readonly Quantization[];

/** --model DIR, as the engine commands declare it. */
export const MODEL_FLAG = {
  type: 'text',
  required: true,
  placeholder: 'DIR',
  help: 'the model folder: config.json (or mlc-chat-config.json), the weights and tokenizer.json',
} as const satisfies FlagSpec;

/** --adapter DIR: a PEFT adapter on top of the weights. */
export const ADAPTER_FLAG = {
  type: 'text',
  placeholder: 'DIR',
  help: 'a PEFT adapter folder (adapter_model.safetensors, adapter_config.json) on top of the weights',
} as const satisfies FlagSpec;

/** --quant, with the command's default (none for a training command: it depends on --method). */
export function quantFlag<const D extends Quantization | undefined>(fallback: D, help = '') {
  return {
    type: 'text',
    oneOf: QUANTIZATIONS,
    default: fallback,
    help: `weights on the GPU: the checkpoint's own precision (none), 16-bit, f32, or q4 quantized as uploaded${help}`,
  } as const satisfies FlagSpec;
}

/**
 * --quant none|f16|f32|q4: keep the checkpoint's precision (f32, f16 or bf16), hold 16-bit weights (rounding f32
 * ones to f16), widen everything to f32, or quantize to q4 as the weights are uploaded.
 */
export function quantizationFlag(flags: Flags, fallback: Quantization): Quantization {
  const value = flag(flags, 'quant');
  if (value === undefined) return fallback;
  const quant = QUANTIZATIONS.find((q) => q === value);
  if (!quant) throw new Error(`--quant must be one of ${QUANTIZATIONS.join(', ')}, got "${value}"`);
  return quant;
}

async function requireDirectory(path: string, what: string): Promise<string> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new Error(`${what} ${path}: no such directory`);
  return path;
}

/** --model DIR: a folder with config.json (or mlc-chat-config.json) and the weights. */
export function modelDirFlag(flags: Flags): Promise<string> {
  return requireDirectory(requireFlag(flags, 'model'), '--model');
}

/** Loads the PEFT adapter in `dir` (adapter_model.safetensors + adapter_config.json) onto the decoder; returns a line saying what it is. */
export async function attachPeftAdapter(decoder: Decoder, dir: string): Promise<string> {
  await requireDirectory(dir, '--adapter');
  const read = (file: string) =>
    readFile(join(dir, file)).catch(() => {
      throw new Error(`--adapter ${dir}: cannot read ${file}`);
    });
  const [weights, config] = await Promise.all([read(PEFT_WEIGHTS_FILE), read(PEFT_CONFIG_FILE)]);
  // A plain Uint8Array view: Buffer's slice() shares memory where the parser expects Uint8Array's copy.
  const safetensors = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  const { adapter } = importPeftAdapter({ safetensors, config: config.toString('utf8') }, decoder.config);
  decoder.lora = GpuLoraAdapter.upload(decoder.device, adapter);
  const { rank, alpha, rslora } = adapter.config;
  return `adapter r=${rank} alpha=${alpha}${rslora ? ' rslora' : ''} (scale ${decoder.lora.scale}) on ${adapter.modules.length} projections`;
}
