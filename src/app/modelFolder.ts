// A model folder handed to a `source: folder` model cell by drag and drop. Browsers hand a dropped folder over
// in one of three ways, tried in this order: a FileSystemDirectoryHandle (Chromium's getAsFileSystemHandle;
// it can be kept in IndexedDB, so a reload can reopen the folder), a FileSystemDirectoryEntry (Firefox,
// Safari) whose top-level files are read here, or just the dropped files (the user dragged the model's files).
import type { Cell } from '../notebook/types.ts';

/** A folder the user gave a model cell: its directory handle where the browser gives one, else its files. */
export type ChosenFolder = { name: string; handle: FileSystemDirectoryHandle } | { name: string; files: File[] };

/** Chromium's additions to DataTransferItem and FileSystemHandle, not yet in TypeScript's DOM types. */
interface HandleItem {
  getAsFileSystemHandle(): Promise<FileSystemHandle | null>;
}
interface PermissionCalls {
  queryPermission(descriptor: { mode: 'read' }): Promise<PermissionState>;
  requestPermission(descriptor: { mode: 'read' }): Promise<PermissionState>;
}

/** Whether a drop onto this cell is a model folder for it to load. */
export function takesFolder(cell: Cell): boolean {
  return cell.kind === 'model' && cell.params.source === 'folder';
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

// A drop starts a run of its cell; the cell's handler takes the dropped folder from here instead of asking.
// Keyed by the Cell object, which the runner hands the handler as is, and which an edit of the cell replaces.
const offered = new WeakMap<Cell, Promise<ChosenFolder>>();

export function offerFolder(cell: Cell, folder: Promise<ChosenFolder>): void {
  folder.catch(() => {}); // the handler reports a failed read; a run that never reaches it must not leave it unhandled
  offered.set(cell, folder);
}

export function takeOfferedFolder(cell: Cell): Promise<ChosenFolder> | undefined {
  const folder = offered.get(cell);
  offered.delete(cell);
  return folder;
}

/**
 * Whether a kept directory handle may be read now. After a reload the browser may ask the user again, which
 * it allows only just after a click (the Run that needs the model), so a refusal is an answer, not an error.
 */
export async function mayRead(handle: FileSystemDirectoryHandle): Promise<boolean> {
  const calls = handle as FileSystemDirectoryHandle & Partial<PermissionCalls>;
  if (!calls.queryPermission || !calls.requestPermission) return true;
  if ((await calls.queryPermission({ mode: 'read' })) === 'granted') return true;
  return calls.requestPermission({ mode: 'read' }).then(
    (state) => state === 'granted',
    () => false,
  );
}
