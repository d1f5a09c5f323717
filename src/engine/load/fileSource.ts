// Model files the user hands the browser: a dropped folder's directory handle (Chromium), or the files of a
// folder chosen with <input type=file webkitdirectory> or dropped. Files are read lazily through Blob.slice,
// so picking a multi-gigabyte checkpoint costs nothing until a tensor is needed.

import { blobSource } from './byteSource.ts';
import { missingFile, type ModelSource } from './source.ts';

/** "config.json" (dropped) or "model/config.json" (chosen), not "model/sub/config.json". */
const atTopLevel = (file: File): boolean => (file.webkitRelativePath || file.name).split('/').length <= 2;

/**
 * Dropped or chosen files, found by base name. A chosen folder's files arrive with paths like
 * "model/config.json", its subfolders' too ("model/checkpoint-500/config.json"): only the top level counts.
 */
export function fileListSource(files: Iterable<File>, name = 'dropped files'): ModelSource {
  const byName = new Map<string, File>();
  for (const file of files) if (atTopLevel(file)) byName.set(file.name, file);
  const get = (file: string): File => {
    const found = byName.get(file);
    if (!found) throw missingFile(source, file);
    return found;
  };
  const source: ModelSource = {
    name,
    has: async (file) => byName.has(file),
    readText: async (file) => get(file).text(),
    open: async (file) => blobSource(get(file), `${name}/${file}`),
  };
  return source;
}

/** A dropped folder's directory handle (Chromium): its top-level files, looked up by name. */
export function directoryHandleSource(dir: FileSystemDirectoryHandle): ModelSource {
  const fileOf = async (file: string): Promise<File> => {
    try {
      return await (await dir.getFileHandle(file)).getFile();
    } catch {
      throw missingFile(source, file);
    }
  };
  const source: ModelSource = {
    name: dir.name,
    has: (file) =>
      fileOf(file).then(
        () => true,
        () => false,
      ),
    readText: async (file) => (await fileOf(file)).text(),
    open: async (file) => blobSource(await fileOf(file), `${dir.name}/${file}`),
  };
  return source;
}
