// An adapter's files are stored as one binary value (store/adapterFiles.ts): they come back byte for byte, by name.
import { describe, expect, it } from 'vitest';
import { packFiles, unpackFiles } from '../../src/store/adapterFiles.ts';

describe('adapter files', () => {
  it('come back from their packed form by name, byte for byte, an empty file and a non-ASCII name included', () => {
    const files = {
      'adapter_config.json': new TextEncoder().encode('{"r": 8}'),
      'adapter_model.safetensors': Uint8Array.from({ length: 1001 }, (_, i) => (i * 37) % 256),
      'empty.bin': new Uint8Array(0),
      'notes-é.txt': new TextEncoder().encode('ünïcode'),
    };
    const packed = packFiles(files);
    const names = Object.keys(files).map((n) => new TextEncoder().encode(n).length);
    const bytes = Object.values(files).reduce((sum, f) => sum + f.length, 0);
    expect(packed.byteLength).toBe(8 * names.length + names.reduce((a, b) => a + b, 0) + bytes);
    expect(unpackFiles(new Uint8Array(packed))).toEqual(files);
  });
});
