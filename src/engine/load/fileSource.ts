// Model files the user hands the browser: a folder picked with the File System Access API
// (showDirectoryPicker) or files dropped or chosen with <input type=file webkitdirectory>. Files are read
// lazily through Blob.slice, so picking a multi-gigabyte checkpoint costs nothing until a tensor is needed.

import { blobSource } from './byteSource.ts';
import { missingFile, type ModelSource } from './source.ts';

/** Dropped or chosen files, found by base name (a folder's files arrive with paths like "model/config.json"). */
export function fileListSource(files: Iterable<File>, name = 'dropped files'): ModelSource {
  const byName = new Map<string, File>();
  for (const file of files) byName.set(file.name, file);
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
    has: (file) => fileOf(file).then(() => true, () => false),
    readText: async (file) => (await fileOf(file)).text(),
    open: async (file) => blobSource(await fileOf(file), `${dir.name}/${file}`),
  };
  return source;
}
