// MLC's weight index: tensor-cache.json (called ndarray-cache.json before WebLLM 0.2.80) lists shards
// params_shard_N.bin, each holding records {name, shape, dtype, format, byteOffset, nbytes}. Records with format
// "f32-to-bf16" are float32 tensors stored as bf16 (rounded to nearest even): nbytes is 2 per element.
// Everything is validated up front; record data is read on demand, a row range at a time if asked.

import type { ByteSource } from './byteSource.ts';
import { aligned, bf16ToF32, f16ToF32 } from './dtype.ts';
import { elementCount } from './safetensors.ts';
import { missingFile, readJson, type ModelSource } from './source.ts';
import { fullRange, type RowRange } from './weights.ts';

export const MLC_INDEX_FILES = ['tensor-cache.json', 'ndarray-cache.json'] as const;

export const MLC_DTYPE_BYTES = { uint32: 4, float32: 4, float16: 2, bfloat16: 2 } as const;
export type MlcDtype = keyof typeof MLC_DTYPE_BYTES;

export interface MlcRecord {
  name: string;
  shape: number[];
  dtype: MlcDtype;
  format: 'raw' | 'f32-to-bf16';
  byteOffset: number;
  nbytes: number;
  /** The shard file holding it. */
  dataPath: string;
}

export interface MlcShard {
  dataPath: string;
  nbytes: number;
}

export interface MlcIndex {
  file: string;
  shards: MlcShard[];
  records: Map<string, MlcRecord>;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseRecord(where: string, raw: unknown, shard: MlcShard): MlcRecord {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof r.name !== 'string') throw new Error(`${where}: record without a "name"`);
  const what = `${where}: record "${r.name}"`;
  if (!Array.isArray(r.shape) || !r.shape.every(isCount))
    throw new Error(`${what}: shape must be a list of non-negative integers`);
  if (typeof r.dtype !== 'string' || !Object.hasOwn(MLC_DTYPE_BYTES, r.dtype)) {
    throw new Error(
      `${what}: unsupported dtype ${JSON.stringify(r.dtype)} (supported: ${Object.keys(MLC_DTYPE_BYTES).join(', ')})`,
    );
  }
  const dtype = r.dtype as MlcDtype;
  if (r.format !== 'raw' && r.format !== 'f32-to-bf16')
    throw new Error(`${what}: unknown format ${JSON.stringify(r.format)}`);
  if (r.format === 'f32-to-bf16' && dtype !== 'float32')
    throw new Error(`${what}: format f32-to-bf16 needs dtype float32, got ${dtype}`);
  if (!isCount(r.byteOffset) || !isCount(r.nbytes))
    throw new Error(`${what}: byteOffset and nbytes must be non-negative integers`);
  const expected = elementCount(r.shape) * (r.format === 'f32-to-bf16' ? 2 : MLC_DTYPE_BYTES[dtype]);
  if (r.nbytes !== expected)
    throw new Error(`${what}: nbytes ${r.nbytes} but ${dtype} [${r.shape}] (${r.format}) needs ${expected}`);
  if (r.byteOffset + r.nbytes > shard.nbytes) {
    throw new Error(
      `${what}: bytes ${r.byteOffset}..${r.byteOffset + r.nbytes} run past the end of ${shard.dataPath} (${shard.nbytes} bytes)`,
    );
  }
  return {
    name: r.name,
    shape: r.shape,
    dtype,
    format: r.format,
    byteOffset: r.byteOffset,
    nbytes: r.nbytes,
    dataPath: shard.dataPath,
  };
}

export function parseMlcIndex(file: string, json: unknown): MlcIndex {
  const shardList = (json as { records?: unknown } | null)?.records;
  if (!Array.isArray(shardList)) throw new Error(`${file}: expected {"records": [shard, ...]}`);
  const shards: MlcShard[] = [];
  const records = new Map<string, MlcRecord>();
  for (const raw of shardList) {
    const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof s.dataPath !== 'string' || !isCount(s.nbytes) || !Array.isArray(s.records)) {
      throw new Error(
        `${file}: each shard needs "dataPath", "nbytes" and "records", got ${JSON.stringify(raw).slice(0, 200)}`,
      );
    }
    const shard = { dataPath: s.dataPath, nbytes: s.nbytes };
    shards.push(shard);
    for (const r of s.records) {
      const record = parseRecord(`${file} (${shard.dataPath})`, r, shard);
      if (records.has(record.name)) throw new Error(`${file}: record "${record.name}" appears twice`);
      records.set(record.name, record);
    }
  }
  return { file, shards, records };
}

/** Reads the index (new name first) and checks that every shard exists. */
export async function readMlcIndex(source: ModelSource): Promise<MlcIndex> {
  for (const file of MLC_INDEX_FILES) {
    if (!(await source.has(file))) continue;
    const index = parseMlcIndex(`${source.name}/${file}`, await readJson(source, file));
    for (const shard of index.shards) {
      if (!(await source.has(shard.dataPath)))
        throw new Error(`${source.name}: shard ${shard.dataPath} listed in ${file} is missing`);
    }
    return index;
  }
  throw missingFile(source, MLC_INDEX_FILES.join(' or '));
}

/** Opens shards lazily, once each, checking that each file is as long as the index says. */
export function shardOpener(source: ModelSource): {
  open(shard: string, nbytes: number): Promise<ByteSource>;
  close(): Promise<void>;
} {
  const open = new Map<string, Promise<ByteSource>>();
  return {
    open(dataPath, nbytes) {
      let pending = open.get(dataPath);
      if (!pending) {
        pending = source.open(dataPath).then((bytes) => {
          if (bytes.size < nbytes)
            throw new Error(
              `${source.name}/${dataPath}: file is truncated: ${bytes.size} bytes, the index says ${nbytes}`,
            );
          return bytes;
        });
        open.set(dataPath, pending);
      }
      return pending;
    },
    async close() {
      await Promise.all([...open.values()].map(async (p) => (await p.catch(() => null))?.close?.()));
    },
  };
}

/** Decodes record bytes: uint32 stays integer, every float dtype becomes f32. */
export function decodeRecord(record: MlcRecord, bytes: Uint8Array): Uint32Array | Float32Array {
  if (record.dtype === 'uint32') return new Uint32Array(aligned(bytes));
  if (record.format === 'f32-to-bf16' || record.dtype === 'bfloat16') return bf16ToF32(bytes);
  if (record.dtype === 'float16') return f16ToF32(bytes);
  return new Float32Array(aligned(bytes));
}

export async function readRecordRows(
  shard: ByteSource,
  record: MlcRecord,
  range?: RowRange,
): Promise<Uint32Array | Float32Array> {
  const rows = record.shape[0] ?? 1;
  const r = fullRange(rows, range);
  const rowBytes = rows === 0 ? 0 : record.nbytes / rows;
  return decodeRecord(record, await shard.read(record.byteOffset + r.start * rowBytes, r.count * rowBytes));
}
