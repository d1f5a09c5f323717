// A model folder handed to a `source: folder` cell: only the folder's top level counts, what it lacks is
// named, a drop reaches the run of the cell it was dropped on, and a dropped folder's handle is kept per
// notebook and cell. Node has File but no file system entries or handles: the walk over entries runs on
// stand-ins here, and on real dropped folders in tests/e2e/notebook.test.ts.
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { offerFolder, takeOfferedFolder, takesFolder, type ChosenFolder } from '../../src/app/modelFolder.ts';
import { topLevelFiles } from '../../src/ui/notebook/modelFolderInput.ts';
import { fileListSource } from '../../src/engine/load/fileSource.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { readAllWeights } from '../../src/engine/load/weights.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { primerCells } from '../../src/notebook/types.ts';
import { Store } from '../../src/store/db.ts';
import { keepFolder, keptFolder } from '../../src/store/folders.ts';
import { MIGRATIONS, runMigrations, type UpgradeDB, type UpgradeTx } from '../../src/store/migrations.ts';
import { deleteNotebook } from '../../src/store/notebooks.ts';
import { buildTinyModel, weightsMismatch } from '../support/tinyModel.ts';

/** A file as <input webkitdirectory> gives it: named by its path under the chosen folder. */
function chosen(path: string, bytes: Uint8Array | string): File {
  const file = new File([typeof bytes === 'string' ? bytes : bytes.slice()], path.split('/').pop()!);
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

describe('a chosen folder', () => {
  const tiny = buildTinyModel({ arch: 'qwen2', layout: 'hf', dtype: 'f32', seed: 9 });
  const top = tiny.files.map((f) => chosen(`tiny/${f.name}`, f.bytes));

  it('is read at its top level; a checkpoint subfolder with the same file names changes nothing', async () => {
    // The subfolder's files come last, where a lookup by base name alone would let them win.
    const sub = [
      chosen('tiny/checkpoint-500/config.json', '{ not json'),
      chosen('tiny/checkpoint-500/optimizer.pt', 'x'),
    ];
    const source = fileListSource([...top, ...sub], 'tiny');
    expect(await source.has('optimizer.pt')).toBe(false);
    const model = await openModel(source);
    expect(weightsMismatch(await readAllWeights(model.weights), tiny.weights)).toBeNull();
  });

  it('names the file it lacks: the config, or the weights', async () => {
    const without = (name: string) =>
      fileListSource(
        top.filter((f) => f.name !== name),
        'tiny',
      );
    await expect(openModel(without('config.json'))).rejects.toThrow('tiny: file config.json not found');
    await expect(openModel(without('model.safetensors'))).rejects.toThrow(
      /tiny: no model\.safetensors or model\.safetensors\.index\.json/,
    );
  });
});

/** Stand-ins for the entries Firefox and Safari hand over for a dropped folder, read `batch` at a time. */
function fileEntry(name: string): FileSystemEntry {
  const entry = { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([name], name)) };
  return entry as unknown as FileSystemEntry;
}

function directoryEntry(name: string, children: FileSystemEntry[], batch = 100): FileSystemDirectoryEntry {
  const createReader = () => {
    let next = 0;
    const readEntries = (ok: (entries: FileSystemEntry[]) => void) => ok(children.slice(next, (next += batch)));
    return { readEntries };
  };
  return { name, isFile: false, isDirectory: true, createReader } as unknown as FileSystemDirectoryEntry;
}

describe('a dropped folder read through its entries', () => {
  it('yields every top-level file over several batches and skips subfolders', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `params_shard_${i}.bin`);
    const checkpoint = directoryEntry('checkpoint-1', [fileEntry('config.json')]);
    const dir = directoryEntry('model', [
      ...names.slice(0, 120).map(fileEntry),
      checkpoint,
      ...names.slice(120).map(fileEntry),
    ]);
    const files = await topLevelFiles(dir);
    expect(files.map((f) => f.name)).toEqual(names);
    expect(await files[7].text()).toBe('params_shard_7.bin');
  });
});

const [local, said] = primerCells(parseNotebook(await readFile('tests/fixtures/notebooks/folder-model.md', 'utf8')));

describe('a drop onto a cell', () => {
  it('is taken only by a folder model cell', () => {
    expect([takesFolder(local), takesFolder(said)]).toEqual([true, false]);
  });

  it('reaches the next run of the very cell it was dropped on, once', async () => {
    const folder: ChosenFolder = { name: 'tiny', files: [new File(['{}'], 'config.json')] };
    offerFolder(local, Promise.resolve(folder));
    expect(takeOfferedFolder({ ...local })).toBeUndefined(); // the same id in another notebook, or after an edit
    expect(await takeOfferedFolder(local)).toBe(folder);
    expect(takeOfferedFolder(local)).toBeUndefined();
  });
});

describe('kept folder handles', () => {
  let opened: Store[] = [];
  afterEach(() => {
    for (const store of opened) store.close();
    opened = [];
  });
  // IndexedDB keeps a FileSystemDirectoryHandle by structured clone; Node has none, so a plain object stands in.
  const handle = (name: string) => ({ kind: 'directory', name }) as unknown as FileSystemDirectoryHandle;

  it('are kept per notebook and cell, forgotten for files, and deleted with their notebook', async () => {
    const store = await Store.open({ name: `folders-${crypto.randomUUID()}` });
    opened.push(store);
    await keepFolder(store, 'nb', 'local', handle('tiny'));
    await keepFolder(store, 'other', 'local', handle('big'));
    expect((await keptFolder(store, 'nb', 'local'))?.name).toBe('tiny');
    expect(await keptFolder(store, 'nb', 'said')).toBeUndefined();
    await keepFolder(store, 'nb', 'local', undefined); // the folder came as files this time
    expect(await keptFolder(store, 'nb', 'local')).toBeUndefined();
    await keepFolder(store, 'nb', 'local', handle('tiny'));
    await deleteNotebook(store, 'nb');
    expect(await keptFolder(store, 'nb', 'local')).toBeUndefined();
    expect((await keptFolder(store, 'other', 'local'))?.name).toBe('big');
  });

  it('get their store when a v3 database upgrades', async () => {
    const name = `folders-${crypto.randomUUID()}`;
    const v3 = await openDB(name, 3, {
      upgrade: (db, oldVersion, _new, tx) =>
        void runMigrations(MIGRATIONS.slice(0, 3), db as unknown as UpgradeDB, oldVersion, tx as unknown as UpgradeTx),
    });
    expect(v3.objectStoreNames.contains('folders')).toBe(false);
    v3.close();
    const store = await Store.open({ name });
    opened.push(store);
    await keepFolder(store, 'nb', 'local', handle('tiny'));
    expect((await keptFolder(store, 'nb', 'local'))?.name).toBe('tiny');
  });
});
