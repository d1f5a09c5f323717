// A model folder handed to a `source: folder` model cell, by its chooser or by drag and drop; ui/ reads both
// from the DOM (ui/notebook/modelFolderInput.ts) and hands the folder over here.
import type { Cell } from '../notebook/types.ts';

/** A folder the user gave a model cell: its directory handle where the browser gives one, else its files. */
export type ChosenFolder = { name: string; handle: FileSystemDirectoryHandle } | { name: string; files: File[] };

/** Chromium's additions to FileSystemHandle, not yet in TypeScript's DOM types. */
interface PermissionCalls {
  queryPermission(descriptor: { mode: 'read' }): Promise<PermissionState>;
  requestPermission(descriptor: { mode: 'read' }): Promise<PermissionState>;
}

/** Whether a drop onto this cell is a model folder for it to load. */
export function takesFolder(cell: Cell): boolean {
  return cell.kind === 'model' && cell.params.source === 'folder';
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
