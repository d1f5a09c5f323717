// A training checkpoint in one safetensors blob: the adapter's tensors under their PEFT names (or, for full
// training, every weight under its Hugging Face name), AdamW's m and v as `optimizer.m.{i}` / `optimizer.v.{i}`,
// and in __metadata__ (strings only, so JSON) the trainer step, the RNG state, the LoRA config and the run
// config. Everything is f32 bytes as they were, so a run restarted from it continues bit-exactly. The metadata's
// `checksum` is a CRC-32 of the whole file as written with that value's eight digits set to "0": a damaged file
// (one flipped byte anywhere) is refused rather than resumed from. Version 1 files, written before checksums, have none.
import type { LoraAdapter, LoraShapeSource } from '../lora/adapter.ts';
import { loraConfig, type LoraConfig } from '../lora/config.ts';
import { loraModulesFromTensors, peftKey, readSafetensorsF32 } from '../lora/peft.ts';
import { Crc32 } from '../load/crc32.ts';
import { writeSafetensors, type TensorToWrite } from '../load/safetensorsWriter.ts';
import type { AdamWState } from './adamw.ts';
import type { NamedTensor } from './fullWeights.ts';

const FORMAT = 'primer-checkpoint';
const FULL_FORMAT = 'primer-full-checkpoint';
const VERSION = '2';
const UNCHECKED_VERSION = '1';
const CHECKSUM_FIELD = new TextEncoder().encode('"checksum":"');
const UNSET_CHECKSUM = '00000000';
const FILE = 'checkpoint';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TrainCheckpoint {
  /** Trainer steps completed (a GRPO step may hold several optimizer updates). */
  step: number;
  /** The trainer's RNG state (Rng.state()). */
  rng: number[];
  /** The run's configuration, as the trainer was given it. */
  config: Json;
  adapter: LoraAdapter;
  optimizer: AdamWState;
}

/** A full-training checkpoint: every weight (Hugging Face names) instead of an adapter. */
export interface FullTrainCheckpoint extends Omit<TrainCheckpoint, 'adapter'> {
  weights: Map<string, NamedTensor>;
}

export function writeCheckpoint(c: TrainCheckpoint): Uint8Array {
  const r = c.adapter.config.rank;
  const tensors: Record<string, TensorToWrite> = {};
  for (const m of c.adapter.modules) {
    tensors[peftKey(m.layer, m.target, 'A')] = { dtype: 'F32', shape: [r, m.inFeatures], data: m.a };
    tensors[peftKey(m.layer, m.target, 'B')] = { dtype: 'F32', shape: [m.outFeatures, r], data: m.b };
  }
  return withChecksum(
    writeSafetensors(
      { ...tensors, ...optimizerTensors(c.optimizer) },
      { ...runMetadata(c, FORMAT), lora: JSON.stringify(c.adapter.config) },
    ),
  );
}

export function writeFullCheckpoint(c: FullTrainCheckpoint): Uint8Array {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of c.weights) tensors[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return withChecksum(writeSafetensors({ ...tensors, ...optimizerTensors(c.optimizer) }, runMetadata(c, FULL_FORMAT)));
}

/** Where the checksum's eight digits sit in the header (-1: there is no checksum). */
function checksumAt(bytes: Uint8Array): number {
  const headerEnd = Math.min(
    bytes.length,
    8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)),
  );
  search: for (let i = 8; i + CHECKSUM_FIELD.length + 8 <= headerEnd; i++) {
    for (let k = 0; k < CHECKSUM_FIELD.length; k++) if (bytes[i + k] !== CHECKSUM_FIELD[k]) continue search;
    return i + CHECKSUM_FIELD.length;
  }
  return -1;
}

/** The CRC-32 of the file with its checksum digits read as "00000000". */
function crcOf(bytes: Uint8Array, at: number): string {
  return new Crc32()
    .update(bytes.subarray(0, at))
    .update(new TextEncoder().encode(UNSET_CHECKSUM))
    .update(bytes.subarray(at + UNSET_CHECKSUM.length))
    .hex();
}

/** Fills in the checksum written as "00000000" by runMetadata. */
function withChecksum(bytes: Uint8Array): Uint8Array {
  const at = checksumAt(bytes);
  bytes.set(new TextEncoder().encode(crcOf(bytes, at)), at);
  return bytes;
}

function verifyChecksum(bytes: Uint8Array, metadata: Record<string, string>): void {
  if (metadata.version === UNCHECKED_VERSION) return;
  const at = checksumAt(bytes);
  if (metadata.checksum === undefined || at < 0) throw new Error(`${FILE}: it has no checksum`);
  const expected = crcOf(bytes, at);
  if (metadata.checksum !== expected)
    throw new Error(
      `${FILE}: the file is damaged (its checksum is ${JSON.stringify(metadata.checksum)}, its bytes give "${expected}"); resume from an earlier checkpoint`,
    );
}

function optimizerTensors(optimizer: AdamWState): Record<string, TensorToWrite> {
  const tensors: Record<string, TensorToWrite> = {};
  optimizer.m.forEach((m, i) => (tensors[`optimizer.m.${i}`] = { dtype: 'F32', shape: [m.length], data: m }));
  optimizer.v.forEach((v, i) => (tensors[`optimizer.v.${i}`] = { dtype: 'F32', shape: [v.length], data: v }));
  return tensors;
}

function runMetadata(c: Omit<TrainCheckpoint, 'adapter'>, format: string): Record<string, string> {
  return {
    format,
    version: VERSION,
    checksum: UNSET_CHECKSUM,
    step: String(c.step),
    optimizer_step: String(c.optimizer.step),
    rng: JSON.stringify(c.rng),
    config: JSON.stringify(c.config),
  };
}

/** Parses and validates a checkpoint against the model it will be loaded into. */
export function readCheckpoint(bytes: Uint8Array, model: LoraShapeSource): TrainCheckpoint {
  const { tensors, metadata, run } = readRun(bytes, FORMAT);
  const lora = parseLoraConfig(metaJson(metadata, 'lora'));
  const adapterTensors = new Map([...tensors].filter(([name]) => !name.startsWith('optimizer.')));
  const modules = loraModulesFromTensors(adapterTensors, lora, model, FILE);
  return { ...run, adapter: { config: lora, modules } };
}

/** A full-training checkpoint; the caller checks the weights against the model (fullWeights.writeWeights). */
export function readFullCheckpoint(bytes: Uint8Array): FullTrainCheckpoint {
  const { tensors, run } = readRun(bytes, FULL_FORMAT);
  const weights = new Map([...tensors].filter(([name]) => !name.startsWith('optimizer.')));
  return { ...run, weights };
}

/** The parts every checkpoint has: step, RNG, run config and optimizer state. */
function readRun(bytes: Uint8Array, format: string) {
  let parsed: ReturnType<typeof readSafetensorsF32>;
  try {
    parsed = readSafetensorsF32(bytes, FILE);
  } catch (err) {
    throw new Error(`${(err as Error).message} (is the file damaged?)`, { cause: err });
  }
  const { tensors, metadata } = parsed;
  if (metadata.format !== format) {
    const kind =
      metadata.format === FORMAT
        ? 'a LoRA checkpoint'
        : metadata.format === FULL_FORMAT
          ? 'a full-weight checkpoint'
          : 'not a Primer checkpoint';
    throw new Error(`${FILE}: ${kind} (format ${JSON.stringify(metadata.format)}, expected ${JSON.stringify(format)})`);
  }
  if (metadata.version !== VERSION && metadata.version !== UNCHECKED_VERSION)
    throw new Error(`${FILE}: unsupported version ${JSON.stringify(metadata.version)} (expected ${VERSION})`);
  verifyChecksum(bytes, metadata);
  const count = (field: string) => {
    const n = Number(metadata[field]);
    if (!Number.isSafeInteger(n) || n < 0 || metadata[field] !== String(n))
      throw new Error(`${FILE}: metadata "${field}" must be a step count, got ${JSON.stringify(metadata[field])}`);
    return n;
  };
  const rng = metaJson(metadata, 'rng');
  if (
    !Array.isArray(rng) ||
    !rng.every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff)
  ) {
    throw new Error(`${FILE}: metadata "rng" must be a list of u32 words`);
  }
  const optimizer = { step: count('optimizer_step'), m: stateList(tensors, 'm'), v: stateList(tensors, 'v') };
  if (optimizer.m.length !== optimizer.v.length || optimizer.m.some((m, i) => m.length !== optimizer.v[i].length)) {
    throw new Error(`${FILE}: optimizer m and v tensors do not pair up`);
  }
  const run = { step: count('step'), rng: rng as number[], config: metaJson(metadata, 'config'), optimizer };
  return { tensors, metadata, run };
}

function metaJson(metadata: Record<string, string>, field: string): Json {
  if (metadata[field] === undefined) throw new Error(`${FILE}: metadata "${field}" is missing`);
  try {
    return JSON.parse(metadata[field]) as Json;
  } catch {
    throw new Error(`${FILE}: metadata "${field}" is not valid JSON`);
  }
}

function parseLoraConfig(json: Json): LoraConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${FILE}: metadata "lora" must be an object`);
  try {
    return loraConfig(json as unknown as LoraConfig);
  } catch (err) {
    throw new Error(`${FILE}: metadata "lora": ${(err as Error).message}`, { cause: err });
  }
}

/** optimizer.{m|v}.0, .1, … in order, with no gaps. */
function stateList(tensors: Map<string, { data: Float32Array }>, which: 'm' | 'v'): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; tensors.has(`optimizer.${which}.${i}`); i++) out.push(tensors.get(`optimizer.${which}.${i}`)!.data);
  const stray = [...tensors.keys()].find(
    (k) => k.startsWith(`optimizer.${which}.`) && Number(k.split('.')[2]) >= out.length,
  );
  if (stray) throw new Error(`${FILE}: tensor "${stray}" does not follow optimizer.${which}.0..${out.length - 1}`);
  return out;
}
