import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, StoreOutdatedError } from '../../src/store/db.ts';
import {
  StorageFullError,
  formatBytes,
  isQuotaError,
  requestPersistence,
  storageEstimate,
  type StorageManagerLike,
} from '../../src/store/health.ts';
import {
  deleteNotebook,
  getNotebook,
  getOutputs,
  importNotebook,
  listNotebooks,
  putOutput,
  resetNotebook,
  saveNotebook,
  setTrusted,
} from '../../src/store/notebooks.ts';
import {
  adoptTraces,
  annotateTraces,
  appendTraces,
  countTracesBy,
  getDataset,
  listDatasets,
  putDataset,
  tracesBy,
  type NewTrace,
} from '../../src/store/traces.ts';
import {
  appendMetric,
  latestCheckpoint,
  metricsOf,
  pruneCheckpoints,
  putCheckpoint,
  putRun,
  setRunStatus,
  getRun,
} from '../../src/store/runs.ts';
import { zeroCounts } from '../../src/behaviors/types.ts';

let opened: Store[] = [];
async function freshStore(storage?: StorageManagerLike): Promise<Store> {
  const store = await Store.open({ name: `store-test-${crypto.randomUUID()}`, storage });
  opened.push(store);
  return store;
}
afterEach(() => {
  for (const store of opened) store.close();
  opened = [];
});

function trace(i: number, extra: Partial<NewTrace> = {}): NewTrace {
  return {
    model: i % 2 ? 'qwen' : 'llama',
    task: 'countdown',
    problem: { numbers: [1, 2, i], target: 3 + i },
    prompt: `p${i}`,
    completion: `c${i}`,
    reward: i % 3 === 0 ? 1 : 0.1,
    correct: i % 3 === 0 ? 1 : 0,
    notebookId: 'nb',
    cellId: 'survey',
    ...extra,
  };
}

/** Makes the next put on any object store fail as a full disk does, until disarmed. */
function failPutsWithQuota(): () => void {
  const proto = IDBObjectStore.prototype;
  const put = proto.put;
  proto.put = function () {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
  return () => {
    proto.put = put;
  };
}

describe('store', () => {
  it('saves notebooks, keeps trust and createdAt, lists newest first, resets to shipped', async () => {
    const store = await freshStore();
    const first = await saveNotebook(store, { id: 'a', title: 'A', source: 'one', origin: 'file' });
    expect(first.trusted).toBe(false);
    await setTrusted(store, 'a', true);
    await new Promise((r) => setTimeout(r, 2));
    await saveNotebook(store, { id: 'b', title: 'B', source: 'two', origin: 'user' });
    await new Promise((r) => setTimeout(r, 2));
    const edited = await saveNotebook(store, { id: 'a', title: 'A', source: 'edited', origin: 'file' });
    expect(edited).toMatchObject({ trusted: true, createdAt: first.createdAt, source: 'edited' });
    expect((await listNotebooks(store)).map((n) => n.id)).toEqual(['a', 'b']);
    const reset = await resetNotebook(store, 'a', 'A', 'shipped text');
    expect(reset).toMatchObject({ source: 'shipped text', origin: 'shipped', trusted: false });
    await expect(setTrusted(store, 'missing', true)).rejects.toThrow('No notebook with id "missing"');
  });

  it('imports each file or link under an id of its own, untrusted, and replaces only on request', async () => {
    const store = await freshStore();
    const base = { title: 'Shared', origin: 'link', baseId: 'link-shared' } as const;
    const first = await importNotebook(store, { ...base, source: 'first' });
    await setTrusted(store, first.id, true);
    await putOutput(store, { notebookId: first.id, cellId: 'c', kind: 'sample', status: 'done', paramsHash: 'h' });
    const second = await importNotebook(store, { ...base, source: 'second' });
    expect([first.id, second.id]).toEqual(['link-shared', 'link-shared-2']);
    expect(await getNotebook(store, first.id)).toMatchObject({ source: 'first', trusted: true });
    expect(second).toMatchObject({ source: 'second', trusted: false });
    expect(await getOutputs(store, second.id)).toEqual([]);

    const third = await importNotebook(store, { ...base, source: 'third', replaces: first.id });
    expect((await listNotebooks(store)).map((n) => n.source).sort()).toEqual(['second', 'third']);
    expect(await getOutputs(store, first.id)).toEqual([]);
    expect(third).toMatchObject({ source: 'third', trusted: false });
    expect(await getOutputs(store, third.id)).toEqual([]);
  });

  it('keys outputs by [notebookId, cellId] and deletes them with their notebook', async () => {
    const store = await freshStore();
    await saveNotebook(store, { id: 'nb', title: 'N', source: '', origin: 'user' });
    await putOutput(store, {
      notebookId: 'nb',
      cellId: 'a',
      kind: 'sample',
      status: 'done',
      paramsHash: 'h',
      value: { n: 1 },
    });
    await putOutput(store, {
      notebookId: 'nb',
      cellId: 'a',
      kind: 'sample',
      status: 'done',
      paramsHash: 'h2',
      value: { n: 2 },
    });
    await putOutput(store, {
      notebookId: 'nb2',
      cellId: 'a',
      kind: 'sample',
      status: 'error',
      paramsHash: 'h',
      error: 'x',
    });
    expect(await getOutputs(store, 'nb')).toEqual([
      expect.objectContaining({ cellId: 'a', paramsHash: 'h2', value: { n: 2 } }),
    ]);
    await deleteNotebook(store, 'nb');
    expect(await getNotebook(store, 'nb')).toBeUndefined();
    expect(await getOutputs(store, 'nb')).toEqual([]);
    expect(await getOutputs(store, 'nb2')).toHaveLength(1);
  });

  it('appends traces and finds them by model, run, [run, step], cell and correctness', async () => {
    const store = await freshStore();
    const written = await appendTraces(
      store,
      [0, 1, 2, 3].map((i) => trace(i)),
    );
    expect(new Set(written.map((t) => t.id)).size).toBe(4);
    await appendTraces(
      store,
      [4, 5].map((i) => trace(i, { run: 'r1', step: i - 4, cellId: 'rl' })),
    );
    expect(await countTracesBy(store, 'model', 'qwen')).toBe(3);
    expect((await tracesBy(store, 'run', 'r1')).map((t) => t.prompt).sort()).toEqual(['p4', 'p5']);
    expect((await tracesBy(store, 'runStep', ['r1', 1])).map((t) => t.prompt)).toEqual(['p5']);
    expect(await countTracesBy(store, 'cell', ['nb', 'survey'])).toBe(4);
    expect((await tracesBy(store, 'correct', 1)).map((t) => t.prompt).sort()).toEqual(['p0', 'p3']);
    expect(await countTracesBy(store, 'notebookId', 'nb')).toBe(6);
  });

  it('keeps one annotation per annotator on a trace', async () => {
    const store = await freshStore();
    const [t] = await appendTraces(store, [trace(1)]);
    const rules = { counts: { ...zeroCounts(), verification: 1 }, spans: [], annotator: 'rules' };
    await annotateTraces(store, [{ id: t.id, annotation: rules }]);
    await annotateTraces(store, [{ id: t.id, annotation: { ...rules, annotator: 'claude:x' } }]);
    await annotateTraces(store, [{ id: t.id, annotation: { ...rules, counts: zeroCounts() } }]);
    const [stored] = await tracesBy(store, 'model', 'qwen');
    expect(stored.annotations?.map((a) => [a.annotator, a.counts.verification])).toEqual([
      ['claude:x', 1],
      ['rules', 0],
    ]);
    await expect(annotateTraces(store, [{ id: 'nope', annotation: rules }])).rejects.toThrow('no such trace');
  });

  it('stores datasets and lists them without their traces', async () => {
    const store = await freshStore();
    const traces = [1, 2, 3].map((i) => ({ problem: { numbers: [i], target: i }, prompt: 'p', completion: 'c' }));
    await putDataset(store, {
      id: 'd',
      name: 'all',
      condition: 'all_strategies',
      source: 'offline',
      createdAt: 1,
      meta: { seed: 1 },
      traces,
    });
    expect(await listDatasets(store)).toEqual([
      {
        id: 'd',
        name: 'all',
        condition: 'all_strategies',
        source: 'offline',
        createdAt: 1,
        meta: { seed: 1 },
        size: 3,
      },
    ]);
    expect((await getDataset(store, 'd'))?.traces).toHaveLength(3);
  });

  it('appends metrics per step and keeps checkpoints, newest last', async () => {
    const store = await freshStore();
    await putRun(store, {
      id: 'r',
      kind: 'rl',
      model: 'qwen',
      config: { steps: 3 },
      status: 'running',
      createdAt: 1,
      updatedAt: 1,
    });
    for (const step of [2, 0, 1])
      await appendMetric(store, { runId: 'r', step, at: step, values: { accuracy: step / 10 } });
    await appendMetric(store, { runId: 'other', step: 0, at: 0, values: { accuracy: 1 } });
    expect((await metricsOf(store, 'r')).map((m) => m.values.accuracy)).toEqual([0, 0.1, 0.2]);
    await setRunStatus(store, 'r', 'done');
    expect((await getRun(store, 'r'))?.status).toBe('done');
    for (const step of [10, 20, 30]) {
      await putCheckpoint(store, {
        runId: 'r',
        step,
        createdAt: step,
        meta: {},
        data: new Float32Array([step]).buffer,
      });
    }
    const latest = await latestCheckpoint(store, 'r');
    expect(latest?.step).toBe(30);
    expect(new Float32Array(latest!.data)[0]).toBe(30);
    expect(await pruneCheckpoints(store, 'r', 1)).toBe(2);
    expect((await latestCheckpoint(store, 'r'))?.step).toBe(30);
    expect(await latestCheckpoint(store, 'none')).toBeUndefined();
  });

  it("replaces a cell's traces of earlier runs when a run's done output is stored, in the same transaction", async () => {
    const store = await freshStore();
    await appendTraces(store, [trace(1, { attempt: 'old' }), trace(2, { attempt: 'old' }), trace(3)]);
    await appendTraces(store, [trace(4, { attempt: 'new' }), trace(5, { attempt: 'new', cellId: 'other' })]);
    const output = { notebookId: 'nb', cellId: 'survey', kind: 'sample', paramsHash: 'h', attempt: 'new' } as const;
    await putOutput(store, { ...output, status: 'running' });
    expect(await countTracesBy(store, 'cell', ['nb', 'survey'])).toBe(4);
    const disarm = failPutsWithQuota();
    await expect(putOutput(store, { ...output, status: 'done' })).rejects.toThrow(StorageFullError);
    disarm();
    expect(await countTracesBy(store, 'cell', ['nb', 'survey'])).toBe(4);
    await putOutput(store, { ...output, status: 'done' });
    expect((await tracesBy(store, 'cell', ['nb', 'survey'])).map((t) => t.prompt)).toEqual(['p4']);
    expect(await countTracesBy(store, 'cell', ['nb', 'other'])).toBe(1);
  });

  it("moves the cell's traces that a predicate keeps into a new run, and no others", async () => {
    const store = await freshStore();
    await appendTraces(
      store,
      [1, 2, 3, 4].map((i) => trace(i, { attempt: 'old' })),
    );
    await appendTraces(store, [trace(5, { attempt: 'old', cellId: 'other' })]);
    await adoptTraces(store, 'nb', 'survey', 'new', (t) => t.prompt !== 'p2');
    const attempts = (await tracesBy(store, 'cell', ['nb', 'survey'])).map((t) => `${t.prompt}:${t.attempt}`);
    expect(attempts.sort()).toEqual(['p1:new', 'p2:old', 'p3:new', 'p4:new']);
    expect((await tracesBy(store, 'cell', ['nb', 'other']))[0].attempt).toBe('old');
  });

  it('keeps the newest checkpoints of a run as each is saved', async () => {
    const store = await freshStore();
    for (const step of [1, 2, 3, 4])
      await putCheckpoint(store, { runId: 'r', step, createdAt: step, meta: {}, data: new ArrayBuffer(4) }, 2);
    await putCheckpoint(store, { runId: 'q', step: 1, createdAt: 1, meta: {}, data: new ArrayBuffer(4) }, 2);
    expect(await store.idb.getAllKeys('checkpoints')).toEqual([
      ['q', 1],
      ['r', 3],
      ['r', 4],
    ]);
  });

  it('reopens after another connection deletes the database, and says to reload after it is upgraded', async () => {
    const name = `store-test-${crypto.randomUUID()}`;
    const store = await Store.open({ name });
    opened.push(store);
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = resolve;
      request.onerror = () => reject(request.error);
    });
    await saveNotebook(store, { id: 'a', title: 'A', source: '# A', origin: 'user' });
    expect((await getNotebook(store, 'a'))?.title).toBe('A');

    const version = store.idb.version;
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, version + 1);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    await expect(saveNotebook(store, { id: 'b', title: 'B', source: '# B', origin: 'user' })).rejects.toThrow(
      StoreOutdatedError,
    );
    expect(() => store.idb).toThrow(/updated in another tab.*reload this page/);
  });

  it('turns a full disk into StorageFullError and keeps what was saved before', async () => {
    const store = await freshStore({ estimate: async () => ({ usage: 2_000_000_000, quota: 2_100_000_000 }) });
    await appendTraces(store, [trace(1), trace(2)]);
    await appendMetric(store, { runId: 'r', step: 0, at: 0, values: { loss: 1 } });
    const disarm = failPutsWithQuota();
    let error: unknown;
    try {
      await appendTraces(store, [trace(3), trace(4), trace(5)]);
    } catch (e) {
      error = e;
    } finally {
      disarm();
    }
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toBe(
      'Storage is full: could not save 3 traces (2.0 GB of 2.1 GB used). Everything saved before is kept. ' +
        "Free space on this computer's disk (the browser grants a share of it), or on the home screen export a " +
        'backup and clear all data.',
    );
    expect((await tracesBy(store, 'notebookId', 'nb')).map((t) => t.prompt).sort()).toEqual(['p1', 'p2']);
    expect(await metricsOf(store, 'r')).toHaveLength(1);
    await appendTraces(store, [trace(6)]); // and the store still works afterwards
    expect(await countTracesBy(store, 'notebookId', 'nb')).toBe(3);
  });

  it('passes other write errors through unchanged', async () => {
    const store = await freshStore();
    const bad = { ...trace(1), problem: { numbers: [1], target: 1, bad: () => 1 } } as unknown as NewTrace;
    await expect(appendTraces(store, [trace(2), bad])).rejects.toMatchObject({ name: 'DataCloneError' });
    expect(await countTracesBy(store, 'notebookId', 'nb')).toBe(0);
  });

  it('clears all data', async () => {
    const store = await freshStore();
    await appendTraces(store, [trace(1)]);
    await saveNotebook(store, { id: 'a', title: 'A', source: '', origin: 'user' });
    await store.clearAll();
    expect(await listNotebooks(store)).toEqual([]);
    expect(await countTracesBy(store, 'model', 'qwen')).toBe(0);
  });
});

describe('storage health', () => {
  it('asks for persistence and reports usage when the browser offers it', async () => {
    let asked = 0;
    const storage = {
      estimate: async () => ({ usage: 1500, quota: 10_000 }),
      persisted: async () => false,
      persist: async () => (++asked, true),
    };
    expect(await requestPersistence(storage)).toBe('granted');
    expect(asked).toBe(1);
    expect(await requestPersistence({ ...storage, persist: async () => false })).toBe('denied');
    expect(await requestPersistence(undefined)).toBe('unsupported');
    expect(await storageEstimate(storage)).toEqual({ usage: 1500, quota: 10_000 });
    expect(await storageEstimate(undefined)).toBeNull();
    expect(formatBytes(1500)).toBe('1.5 KB');
  });

  it('recognises quota errors by name or legacy code', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
});
