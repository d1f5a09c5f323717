// Writes MLC-format weights: params_shard_N.bin files and the tensor-cache.json that indexes them, as
// tvmjs's dump_tensor_cache lays them out (records packed in order, a new shard when the cap is reached).
// Used to build test models and, later, to hand re-quantized weights to WebLLM.

import { f32ToBf16, f32ToF16 } from './dtype.ts';
import type { FileBytes } from './source.ts';

export type MlcTensor =
  | { name: string; shape: number[]; words: Uint32Array }
  /** f32 values stored as float32 ('f32'), float16 ('f16') or float32-as-bf16 ('f32-to-bf16'). */
  | { name: string; shape?: number[]; values: Float32Array; float: 'f32' | 'f16' | 'f32-to-bf16' };

function encode(tensor: MlcTensor): { dtype: string; format: string; shape: number[]; bytes: Uint8Array } {
  if ('words' in tensor)
    return { dtype: 'uint32', format: 'raw', shape: tensor.shape, bytes: new Uint8Array(tensor.words.slice().buffer) };
  const shape = tensor.shape ?? [tensor.values.length];
  if (tensor.float === 'f32')
    return { dtype: 'float32', format: 'raw', shape, bytes: new Uint8Array(tensor.values.slice().buffer) };
  if (tensor.float === 'f16')
    return { dtype: 'float16', format: 'raw', shape, bytes: new Uint8Array(f32ToF16(tensor.values).buffer) };
  return { dtype: 'float32', format: 'f32-to-bf16', shape, bytes: new Uint8Array(f32ToBf16(tensor.values).buffer) };
}

export function writeMlcShards(tensors: MlcTensor[], shardCapBytes = 32 * 1024 * 1024): FileBytes[] {
  const shards: { records: object[]; parts: Uint8Array[]; nbytes: number }[] = [];
  for (const tensor of tensors) {
    const { dtype, format, shape, bytes } = encode(tensor);
    let shard = shards[shards.length - 1];
    if (!shard || (shard.nbytes > 0 && shard.nbytes + bytes.byteLength > shardCapBytes)) {
      shard = { records: [], parts: [], nbytes: 0 };
      shards.push(shard);
    }
    shard.records.push({ name: tensor.name, shape, dtype, format, nbytes: bytes.byteLength, byteOffset: shard.nbytes });
    shard.parts.push(bytes);
    shard.nbytes += bytes.byteLength;
  }
  const files: FileBytes[] = [];
  const index = shards.map((shard, i) => {
    const dataPath = `params_shard_${i}.bin`;
    const bytes = new Uint8Array(shard.nbytes);
    let offset = 0;
    for (const part of shard.parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    files.push({ name: dataPath, bytes });
    return { dataPath, format: 'raw-shard', nbytes: shard.nbytes, records: shard.records };
  });
  const totalBytes = shards.reduce((n, s) => n + s.nbytes, 0);
  const manifest = { metadata: { ParamSize: tensors.length, ParamBytes: totalBytes, BitsPerParam: 0 }, records: index };
  return [{ name: 'tensor-cache.json', bytes: new TextEncoder().encode(JSON.stringify(manifest)) }, ...files];
}
