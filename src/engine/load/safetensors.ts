// Reader for the safetensors format (huggingface/safetensors "Format"): an 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}, then
// the data buffer. Everything in the header is validated before any tensor byte is read, and tensors are read
// one byte range at a time from a ByteSource, so a file larger than memory still loads.

import type { ByteSource } from './byteSource.ts';
import { aligned, bf16ToF32, f16ToF32 } from './dtype.ts';
import { fullRange, type RowRange } from './weights.ts';

export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every fixed-width dtype the format defines. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** dtypes we can turn into f32 weights. */
export const WEIGHT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16'];

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offsets in the file (header included), end exclusive. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

export function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function parseEntry(file: string, name: string, raw: unknown, dataStart: number): TensorEntry {
  const where = `${file}: tensor "${name}"`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${where}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDtype(dtype)) throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new Error(
      `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
    );
  }
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  if (offsets[1] - offsets[0] !== expected) {
    throw new Error(
      `${where}: data_offsets span ${offsets[1] - offsets[0]} bytes but ${dtype} shape [${shape}] needs ${expected}`,
    );
  }
  return { name, dtype, shape, begin: dataStart + offsets[0], end: dataStart + offsets[1] };
}

function parseMetadata(file: string, raw: unknown): Record<string, string> {
  if (
    typeof raw !== 'object' ||
    raw === null ||
    Array.isArray(raw) ||
    !Object.values(raw).every((v) => typeof v === 'string')
  ) {
    throw new Error(`${file}: "__metadata__" must map strings to strings`);
  }
  return raw as Record<string, string>;
}

/** The tensors must tile the data buffer exactly: no overlaps, no holes, nothing past the end of the file. */
function checkLayout(file: string, entries: TensorEntry[], dataStart: number, fileSize: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  let previous = 'the header';
  for (const entry of sorted) {
    if (entry.begin < cursor) throw new Error(`${file}: tensor "${entry.name}" overlaps ${previous}`);
    if (entry.begin > cursor)
      throw new Error(`${file}: ${entry.begin - cursor} unused bytes between ${previous} and tensor "${entry.name}"`);
    if (entry.end > fileSize) {
      throw new Error(
        `${file}: file is truncated: tensor "${entry.name}" ends at byte ${entry.end} but the file has ${fileSize}`,
      );
    }
    cursor = entry.end;
    previous = `tensor "${entry.name}"`;
  }
  if (cursor !== fileSize)
    throw new Error(`${file}: ${fileSize - cursor} bytes after the last tensor are not described by the header`);
}

/** Parses and validates the JSON header (the bytes after the 8-byte length), given the whole file's size. */
export function parseSafetensorsHeader(file: string, headerBytes: Uint8Array, fileSize: number): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw new Error(`${file}: header is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${file}: header is not a JSON object`);
  const dataStart = 8 + headerBytes.byteLength;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(file, raw);
    else tensors.set(name, parseEntry(file, name, raw, dataStart));
  }
  checkLayout(file, [...tensors.values()], dataStart, fileSize);
  return { tensors, metadata };
}

/** Reads the length prefix and the header from the start of the file; no tensor data is touched. */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  if (source.size < 8)
    throw new Error(`${source.name}: file is truncated: ${source.size} bytes, shorter than the 8-byte header length`);
  const prefix = await source.read(0, 8);
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES))
    throw new Error(`${source.name}: header length ${length} exceeds the 100,000,000-byte limit`);
  if (8n + length > BigInt(source.size)) {
    throw new Error(`${source.name}: header length ${length} runs past the end of the ${source.size}-byte file`);
  }
  const headerBytes = await source.read(8, Number(length));
  return parseSafetensorsHeader(source.name, headerBytes, source.size);
}

/** Throws unless the dtype is one we turn into f32 weights. */
export function checkWeightDtype(what: string, dtype: SafetensorsDtype): void {
  if (!WEIGHT_DTYPES.includes(dtype))
    throw new Error(`${what}: unsupported dtype ${dtype} (weights must be ${WEIGHT_DTYPES.join(', ')})`);
}

/** Decodes raw little-endian bytes of a weight dtype into f32; `what` names the tensor in errors. */
export function bytesToF32(bytes: Uint8Array, dtype: SafetensorsDtype, what: string): Float32Array {
  checkWeightDtype(what, dtype);
  if (dtype === 'BF16') return bf16ToF32(bytes);
  if (dtype === 'F16') return f16ToF32(bytes);
  return new Float32Array(aligned(bytes));
}

/** The raw bytes of a weight tensor, or of a range of rows of its first dimension (to stream a big table in slices). */
export async function readTensorBytes(source: ByteSource, entry: TensorEntry, range?: RowRange): Promise<Uint8Array> {
  checkWeightDtype(`${source.name}: tensor "${entry.name}"`, entry.dtype);
  const rows = entry.shape[0] ?? 1;
  const r = fullRange(rows, range);
  const rowBytes = rows === 0 ? 0 : (entry.end - entry.begin) / rows;
  return source.read(entry.begin + r.start * rowBytes, r.count * rowBytes);
}

/** A tensor (or a range of its rows) as f32. */
export async function readTensorF32(source: ByteSource, entry: TensorEntry, range?: RowRange): Promise<Float32Array> {
  return bytesToF32(await readTensorBytes(source, entry, range), entry.dtype, `${source.name}: tensor "${entry.name}"`);
}
