// Random access to the bytes of one file, so a multi-gigabyte checkpoint is read a tensor at a time instead
// of all at once. Implementations: in-memory bytes and a browser Blob/File here; a Node file in nodeSource.ts.

export interface ByteSource {
  /** Total size of the file in bytes. */
  readonly size: number;
  /** A short label for error messages (a file name or URL). */
  readonly name: string;
  /** Reads exactly `length` bytes at `offset`; rejects when the range runs past the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases an open file handle, where there is one. */
  close?(): Promise<void>;
}

export function checkRange(source: Pick<ByteSource, 'size' | 'name'>, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new Error(`${source.name}: invalid byte range offset ${offset} length ${length}`);
  }
  if (offset + length > source.size) {
    throw new Error(`${source.name}: file is truncated: needs bytes up to ${offset + length} but has ${source.size}`);
  }
}

export function memorySource(bytes: Uint8Array | ArrayBuffer, name = 'memory'): ByteSource {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const source: ByteSource = {
    size: data.byteLength,
    name,
    async read(offset, length) {
      checkRange(source, offset, length);
      return data.subarray(offset, offset + length);
    },
  };
  return source;
}

/** A browser Blob or File (also a cached Response's blob): slices are read lazily, the whole file never is. */
export function blobSource(blob: Blob, name = blob instanceof File ? blob.name : 'blob'): ByteSource {
  const source: ByteSource = {
    size: blob.size,
    name,
    async read(offset, length) {
      checkRange(source, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
  return source;
}
