// Model files from a directory on disk (CLI and tests). node:fs is imported dynamically, inside the functions,
// so a browser bundle that includes the loader never pulls it in.

import { checkRange, type ByteSource } from './byteSource.ts';
import { missingFile, type ModelSource } from './source.ts';

/** A file read with positioned reads through one open handle: nothing is loaded until asked for. */
export async function nodeFileSource(path: string): Promise<ByteSource> {
  const fs = await import('node:fs/promises');
  const handle = await fs.open(path, 'r');
  const { size } = await handle.stat();
  const source: ByteSource = {
    size,
    name: path,
    async read(offset, length) {
      checkRange(source, offset, length);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new Error(`${path}: file is truncated: read stopped at byte ${offset + done}`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
  return source;
}

export function nodeDirectorySource(dir: string): ModelSource {
  const resolve = async (file: string) => (await import('node:path')).join(dir, file);
  const source: ModelSource = {
    name: dir,
    async has(file) {
      const fs = await import('node:fs/promises');
      return fs.stat(await resolve(file)).then(
        (s) => s.isFile(),
        () => false,
      );
    },
    async readText(file) {
      const fs = await import('node:fs/promises');
      return fs.readFile(await resolve(file), 'utf8').catch(() => {
        throw missingFile(source, file);
      });
    },
    async open(file) {
      if (!(await source.has(file))) throw missingFile(source, file);
      return nodeFileSource(await resolve(file));
    },
  };
  return source;
}
