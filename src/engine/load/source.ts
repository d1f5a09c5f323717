// Where a model's files come from: a directory on disk (nodeSource.ts), a picked or dropped folder in the
// browser (fileSource.ts), a Hugging Face repo over HTTPS (hubSource.ts), or files already in memory (here).

import { memorySource, type ByteSource } from './byteSource.ts';

export interface ModelSource {
  /** A label for error messages: a directory path, a repo id. */
  readonly name: string;
  has(file: string): Promise<boolean>;
  readText(file: string): Promise<string>;
  open(file: string): Promise<ByteSource>;
}

export interface FileBytes {
  name: string;
  bytes: Uint8Array;
}

export function missingFile(source: ModelSource, file: string): Error {
  return new Error(`${source.name}: file ${file} not found`);
}

export async function readJson(source: ModelSource, file: string): Promise<unknown> {
  const text = await source.readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${source.name}/${file}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** Files held in memory, e.g. a tiny model generated in a browser test. */
export function memoryModelSource(files: FileBytes[], name = 'memory'): ModelSource {
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const source: ModelSource = {
    name,
    async has(file) {
      return byName.has(file);
    },
    async readText(file) {
      const bytes = byName.get(file);
      if (!bytes) throw missingFile(source, file);
      return new TextDecoder().decode(bytes);
    },
    async open(file) {
      const bytes = byName.get(file);
      if (!bytes) throw missingFile(source, file);
      return memorySource(bytes, `${name}/${file}`);
    },
  };
  return source;
}
