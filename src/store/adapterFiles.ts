// An adapter's files (PEFT's adapter_config.json and adapter_model.safetensors) as the one binary value the
// adapters store keeps, and back again.

/** Bundles a result's files into one ArrayBuffer for the adapters store: [name length, name, size, bytes]... */
export function packFiles(files: Record<string, Uint8Array>): ArrayBuffer {
  const enc = new TextEncoder();
  const parts = Object.entries(files).flatMap(([name, bytes]) => {
    const n = enc.encode(name);
    const head = new Uint32Array([n.length, bytes.length]);
    return [new Uint8Array(head.buffer), n, bytes];
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out.buffer;
}

/** The files packFiles bundled, by name. */
export function unpackFiles(data: Uint8Array): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const dec = new TextDecoder();
  for (let o = 0; o < data.length;) {
    const [nameLen, size] = new Uint32Array(data.slice(o, o + 8).buffer);
    const name = dec.decode(data.subarray(o + 8, o + 8 + nameLen));
    files[name] = data.slice(o + 8 + nameLen, o + 8 + nameLen + size);
    o += 8 + nameLen + size;
  }
  return files;
}
