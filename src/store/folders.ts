// Model folders dropped onto `source: folder` model cells, kept by notebook and cell as the directory handle
// Chromium hands over, so that after a reload the engine can reopen the folder instead of asking for it
// again. Other browsers give no handle; there a reload asks for the folder again.
import type { Store } from './db.ts';

/** Keeps the cell's folder handle; none (the folder came as files) forgets an older one, which is no longer its folder. */
export async function keepFolder(
  store: Store,
  notebookId: string,
  cellId: string,
  handle: FileSystemDirectoryHandle | undefined,
): Promise<void> {
  await store.write(`the folder of cell "${cellId}"`, ['folders'], async (tx) => {
    await (handle
      ? tx.store.put({ notebookId, cellId, handle, savedAt: Date.now() })
      : tx.store.delete([notebookId, cellId]));
  });
}

export async function keptFolder(
  store: Store,
  notebookId: string,
  cellId: string,
): Promise<FileSystemDirectoryHandle | undefined> {
  return (await store.idb.get('folders', [notebookId, cellId]))?.handle;
}
