// The two ways a user hands a `source: folder` model cell its folder, both DOM: the folder chooser (an
// <input webkitdirectory>, which every current browser has) and a drop. Browsers hand a dropped folder over in
// one of three ways, tried in this order: a FileSystemDirectoryHandle (Chromium's getAsFileSystemHandle; it can
// be kept in IndexedDB, so a reload can reopen the folder), a FileSystemDirectoryEntry (Firefox, Safari) whose
// top-level files are read here, or just the dropped files (the user dragged the model's files).
import type { ChosenFolder } from '../../app/modelFolder.ts';

/** Chromium's addition to DataTransferItem, not yet in TypeScript's DOM types. */
interface HandleItem {
  getAsFileSystemHandle(): Promise<FileSystemHandle | null>;
}

/** Asks the user for a folder with the browser's folder chooser. */
export function pickFolder(signal: AbortSignal): Promise<ChosenFolder> {
  return new Promise((resolve, reject) => {
    const input = Object.assign(document.createElement('input'), {
      type: 'file',
      webkitdirectory: true,
      multiple: true,
    });
    const chosen = (files: File[]) => resolve({ name: files[0].webkitRelativePath.split('/')[0] || 'folder', files });
    input.addEventListener('change', () =>
      input.files?.length ? chosen([...input.files]) : reject(new Error('no folder was chosen')),
    );
    input.addEventListener('cancel', () => reject(new Error('no folder was chosen')));
    signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
    input.click();
  });
}

/** Reads a drop. Everything is taken from `data` before the first await: a DataTransfer empties once its event ends. */
export async function readDroppedFolder(data: DataTransfer): Promise<ChosenFolder> {
  const items = [...data.items].filter((item) => item.kind === 'file');
  const files = [...data.files];
  const only = items.length === 1 ? items[0] : undefined;
  const handle =
    only && 'getAsFileSystemHandle' in only ? (only as DataTransferItem & HandleItem).getAsFileSystemHandle() : null;
  const entry = only?.webkitGetAsEntry();
  const opened = await handle;
  if (opened?.kind === 'directory') return { name: opened.name, handle: opened as FileSystemDirectoryHandle };
  if (entry && isDirectory(entry)) return { name: entry.name, files: await topLevelFiles(entry) };
  if (!files.length) throw new Error('the drop held no files: drop the model folder, or the model files themselves');
  return { name: files.length === 1 ? files[0].name : 'dropped files', files };
}

const isDirectory = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry => entry.isDirectory;
const isFile = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile;

/** The files at the top of a dropped folder, where model files sit; subfolders (say, checkpoints) are skipped. */
export async function topLevelFiles(dir: FileSystemDirectoryEntry): Promise<File[]> {
  const reader = dir.createReader();
  const files: Promise<File>[] = [];
  // readEntries hands over one batch per call (100 entries in Chromium) and an empty batch at the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return Promise.all(files);
    for (const entry of batch.filter(isFile)) files.push(new Promise((resolve, reject) => entry.file(resolve, reject)));
  }
}
