import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/engine/load/byteSource.ts';
import { readSafetensorsHeader, readTensorF32 } from '../../src/engine/load/safetensors.ts';
import { writeSafetensors } from '../../src/engine/load/safetensorsWriter.ts';

/** A file from a raw header object and data bytes, with no validation: the way to build broken files. */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

const open = (bytes: Uint8Array, name = 'test.safetensors') => readSafetensorsHeader(memorySource(bytes, name));

describe('safetensors round trip', () => {
  const a = Float32Array.from([1, -2, 3.5, 0.25, 1e-3, -7]);
  const b = Float32Array.from([0.5, -0.75, 2, 1024]);
  const file = writeSafetensors(
    {
      a: { dtype: 'F32', shape: [2, 3], data: a },
      b16: { dtype: 'BF16', shape: [4], data: b },
      h16: { dtype: 'F16', shape: [2, 2], data: b },
    },
    { format: 'pt' },
  );

  it('pads the header to 8 bytes and reads every tensor back', async () => {
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const source = memorySource(file);
    const header = await readSafetensorsHeader(source);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.tensors.get('a')!.shape).toEqual([2, 3]);
    expect(Array.from(await readTensorF32(source, header.tensors.get('a')!))).toEqual(Array.from(a));
    expect(Array.from(await readTensorF32(source, header.tensors.get('b16')!))).toEqual(Array.from(b));
    expect(Array.from(await readTensorF32(source, header.tensors.get('h16')!))).toEqual(Array.from(b));
  });

  it('reads a row range without touching the rest', async () => {
    const source = memorySource(file);
    const header = await readSafetensorsHeader(source);
    expect(Array.from(await readTensorF32(source, header.tensors.get('a')!, { start: 1, count: 1 }))).toEqual(
      Array.from(a.subarray(3)),
    );
    await expect(readTensorF32(source, header.tensors.get('a')!, { start: 1, count: 2 })).rejects.toThrow(
      /rows 1\.\.3 are outside \[0, 2\)/,
    );
  });
});

describe('safetensors rejections', () => {
  const entry = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets });

  it('rejects a file shorter than the length prefix', async () => {
    await expect(open(new Uint8Array(5))).rejects.toThrow(/test\.safetensors: file is truncated: 5 bytes/);
  });
  it('rejects a header length past the end of the file', async () => {
    const file = rawFile({ x: entry('F32', [1], [0, 4]) }, 4);
    new DataView(file.buffer).setBigUint64(0, 10_000n, true);
    await expect(open(file)).rejects.toThrow(/header length 10000 runs past the end/);
  });
  it('rejects a header length over the 100 MB limit', async () => {
    const file = rawFile({}, 0);
    new DataView(file.buffer).setBigUint64(0, 200_000_000n, true);
    await expect(open(file)).rejects.toThrow(/exceeds the 100,000,000-byte limit/);
  });
  it('rejects bad JSON and a non-object header', async () => {
    await expect(open(rawFile(null, 0, '{"x": [1,'))).rejects.toThrow(/header is not valid JSON/);
    await expect(open(rawFile([1, 2]))).rejects.toThrow(/header is not a JSON object/);
  });
  it('rejects a truncated file (data shorter than the offsets)', async () => {
    const file = rawFile({ w: entry('F32', [4], [0, 16]) }, 10);
    await expect(open(file)).rejects.toThrow(/file is truncated: tensor "w" ends at byte/);
  });
  it('rejects offsets out of range and malformed offsets', async () => {
    await expect(open(rawFile({ w: entry('F32', [2], [8, 16]) }, 8))).rejects.toThrow(
      /8 unused bytes between the header and tensor "w"/,
    );
    await expect(open(rawFile({ w: entry('F32', [1], [4, 0]) }, 4))).rejects.toThrow(
      /tensor "w": data_offsets must be \[begin, end\]/,
    );
    await expect(open(rawFile({ w: entry('F32', [1], [-4, 0]) }, 4))).rejects.toThrow(/tensor "w": data_offsets/);
  });
  it('rejects overlapping ranges', async () => {
    const file = rawFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, 12);
    await expect(open(file)).rejects.toThrow(/tensor "b" overlaps tensor "a"/);
  });
  it('rejects bytes after the last tensor', async () => {
    await expect(open(rawFile({ a: entry('F32', [1], [0, 4]) }, 12))).rejects.toThrow(/8 bytes after the last tensor/);
  });
  it('rejects a size that does not match the shape', async () => {
    const file = rawFile({ a: entry('BF16', [3], [0, 8]) }, 8);
    await expect(open(file)).rejects.toThrow(/tensor "a": data_offsets span 8 bytes but BF16 shape \[3\] needs 6/);
  });
  it('rejects a bad shape', async () => {
    await expect(open(rawFile({ a: entry('F32', [-1], [0, 0]) }))).rejects.toThrow(
      /tensor "a": shape must be a list of non-negative integers/,
    );
  });
  it('rejects an unknown dtype, naming the tensor', async () => {
    await expect(open(rawFile({ a: entry('F4', [2], [0, 1]) }, 1))).rejects.toThrow(/tensor "a": unknown dtype "F4"/);
  });
  it('parses a known non-float dtype but refuses to read it as a weight', async () => {
    const source = memorySource(
      writeSafetensors({ ids: { dtype: 'I64', shape: [2], bytes: new Uint8Array(16) } }),
      'ids.safetensors',
    );
    const header = await readSafetensorsHeader(source);
    await expect(readTensorF32(source, header.tensors.get('ids')!)).rejects.toThrow(
      /ids\.safetensors: tensor "ids": unsupported dtype I64/,
    );
  });
  it('rejects a metadata value that is not a string', async () => {
    await expect(open(rawFile({ __metadata__: { step: 3 } }))).rejects.toThrow(
      /"__metadata__" must map strings to strings/,
    );
  });
  it('refuses to write bytes that do not fit the shape', () => {
    expect(() => writeSafetensors({ x: { dtype: 'U8', shape: [3], bytes: new Uint8Array(2) } })).toThrow(
      /tensor "x" has 2 bytes but U8 \[3\] needs 3/,
    );
  });
});
