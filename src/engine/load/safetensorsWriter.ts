// Writes a safetensors file: used for tiny test models, PEFT adapter export and anything we save ourselves.
// Tensors are laid out in the order given; the JSON header is padded with spaces to a multiple of 8 bytes,
// as the reference writer does, so the data buffer starts aligned.

import { f32ToBf16, f32ToF16 } from './dtype.ts';
import { DTYPE_BYTES, elementCount, type SafetensorsDtype } from './safetensors.ts';

export type TensorToWrite =
  /** f32 values, stored as F32, F16 or BF16 (rounded to nearest even). */
  | { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array }
  /** Already-encoded little-endian bytes of any dtype. */
  | { dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array };

function encode(name: string, tensor: TensorToWrite): Uint8Array {
  const expected = elementCount(tensor.shape) * DTYPE_BYTES[tensor.dtype];
  let bytes: Uint8Array;
  if ('bytes' in tensor) bytes = tensor.bytes;
  else if (tensor.dtype === 'F32')
    bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  else bytes = new Uint8Array((tensor.dtype === 'BF16' ? f32ToBf16(tensor.data) : f32ToF16(tensor.data)).buffer);
  if (bytes.byteLength !== expected) {
    throw new Error(
      `writeSafetensors: tensor "${name}" has ${bytes.byteLength} bytes but ${tensor.dtype} [${tensor.shape}] needs ${expected}`,
    );
  }
  return bytes;
}

export function writeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = encode(name, tensor);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.fill(0x20, 8, 8 + headerLength);
  out.set(json, 8);
  let cursor = 8 + headerLength;
  for (const part of parts) {
    out.set(part, cursor);
    cursor += part.byteLength;
  }
  return out;
}
