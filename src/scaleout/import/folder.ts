// A results folder as the importer sees it: files by relative path, read by byte range, so a file of hundreds
// of megabytes is never held whole. Node (cli/) and the browser (a picked folder's File objects) each give one.

export interface RunFile {
  /** Path inside the folder, with '/' separators. */
  path: string;
  size: number;
  slice(start: number, end: number): Promise<Uint8Array>;
}

const CHUNK = 1 << 20;

/** The file's lines, decoded as UTF-8 a megabyte at a time; only the current line is kept whole. */
export async function* lines(file: RunFile): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let carry = '';
  for (let at = 0; at < file.size; at += CHUNK) {
    const text = carry + decoder.decode(await file.slice(at, Math.min(file.size, at + CHUNK)), { stream: true });
    const parts = text.split('\n');
    carry = parts.pop() ?? '';
    yield* parts;
  }
  carry += decoder.decode();
  if (carry !== '') yield carry;
}

export async function readText(file: RunFile, limit = 64 << 20): Promise<string> {
  if (file.size > limit) throw new Error(`${file.path} is ${file.size} bytes; expected a small JSON file`);
  return new TextDecoder().decode(await file.slice(0, file.size));
}

/** Files picked in the browser (an <input webkitdirectory> or a drop), paths relative to the chosen folder. */
export function browserRunFiles(files: readonly File[]): RunFile[] {
  return files.map((f) => {
    const relative = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    return {
      path: relative
        .split('/')
        .slice(relative.includes('/') ? 1 : 0)
        .join('/'),
      size: f.size,
      slice: async (start, end) => new Uint8Array(await f.slice(start, end).arrayBuffer()),
    };
  });
}
