import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/db.ts';
import { BackupError, datasetJsonl, exportBackup, importBackup, parseBackup, toJsonl } from '../../src/store/backup.ts';
import { getNotebook, getOutputs, putOutput, putSetting, saveNotebook } from '../../src/store/notebooks.ts';
import { appendTraces, getDataset, putDataset, tracesBy } from '../../src/store/traces.ts';
import {
  getAdapter,
  latestCheckpoint,
  metricsOf,
  putAdapter,
  putCheckpoint,
  putRun,
  appendMetric,
} from '../../src/store/runs.ts';
import { Secrets } from '../../src/store/secrets.ts';

const ANTHROPIC = 'sk-ant-api03-THIS-IS-A-TEST-KEY-0123456789abcdef';
const HF = 'hf_ThisIsATestTokenWithEnoughLetters1234';

let opened: Store[] = [];
async function freshStore(): Promise<Store> {
  const store = await Store.open({ name: `backup-test-${crypto.randomUUID()}` });
  opened.push(store);
  return store;
}
afterEach(() => {
  for (const store of opened) store.close();
  opened = [];
});

/** A workspace with one record in every store, and both secrets remembered. */
async function fillWorkspace(store: Store): Promise<void> {
  await saveNotebook(store, { id: 'mine', title: 'Mine', source: '# mine', origin: 'user', trusted: true });
  await saveNotebook(store, { id: 'linked', title: 'Linked', source: '# linked', origin: 'link', trusted: true });
  await putOutput(store, {
    notebookId: 'mine',
    cellId: 's',
    kind: 'sample',
    status: 'done',
    paramsHash: 'h',
    value: { accuracy: 0.5 },
  });
  await appendTraces(store, [
    {
      id: 't1',
      model: 'qwen',
      task: 'countdown',
      problem: { numbers: [2, 3], target: 6 },
      prompt: 'p',
      completion: '<answer>2*3</answer>',
      reward: 1,
      correct: 1,
      notebookId: 'mine',
      cellId: 's',
      run: 'r',
      step: 0,
    },
  ]);
  await putDataset(store, {
    id: 'd',
    name: 'D',
    condition: 'all_strategies',
    source: 'offline',
    createdAt: 1,
    meta: {},
    traces: [{ problem: { numbers: [1], target: 1 }, prompt: 'q', completion: 'c', correct: true }],
  });
  await putRun(store, {
    id: 'r',
    kind: 'rl',
    model: 'qwen',
    config: { steps: 2 },
    status: 'done',
    createdAt: 1,
    updatedAt: 2,
  });
  await appendMetric(store, { runId: 'r', step: 0, at: 1, values: { accuracy: 0.25 } });
  await putAdapter(store, {
    id: 'a',
    name: 'A',
    model: 'qwen',
    createdAt: 1,
    meta: { rank: 2 },
    data: new Uint8Array([0, 1, 254, 255]).buffer,
  });
  await putCheckpoint(store, {
    runId: 'r',
    step: 10,
    createdAt: 1,
    meta: {},
    data: new Float32Array([1.5, -2]).buffer,
  });
  await putSetting(store, 'theme', 'dark');
  const secrets = await Secrets.open(store);
  await secrets.set('anthropic', ANTHROPIC, { remember: true });
  await secrets.set('huggingface', HF, { remember: true });
}

describe('workspace backup', () => {
  it('round-trips every store, binary included, and never contains a secret', async () => {
    const source = await freshStore();
    await fillWorkspace(source);
    const text = (await exportBackup(source)).join('');
    expect(text).not.toContain(ANTHROPIC);
    expect(text).not.toContain(HF);
    expect(text).not.toMatch(/"type":"secrets"/);
    expect(text.split('\n')[0]).toMatch(/^\{"type":"primer-backup","format":1,"dbVersion":\d+,"createdAt":\d+\}$/);

    const target = await freshStore();
    const counts = await importBackup(target, text);
    expect(counts).toEqual({
      notebooks: 2,
      outputs: 1,
      traces: 1,
      datasets: 1,
      runs: 1,
      metrics: 1,
      adapters: 1,
      checkpoints: 1,
      settings: 1,
    });
    // A backup file can claim anything: trust is never restored, whatever the notebook's origin.
    expect(await getNotebook(target, 'mine')).toMatchObject({ source: '# mine', trusted: false });
    expect(await getNotebook(target, 'linked')).toMatchObject({ trusted: false });
    expect(await getOutputs(target, 'mine')).toEqual([expect.objectContaining({ value: { accuracy: 0.5 } })]);
    expect((await tracesBy(target, 'runStep', ['r', 0]))[0]).toMatchObject({
      id: 't1',
      completion: '<answer>2*3</answer>',
    });
    expect((await getDataset(target, 'd'))?.traces).toHaveLength(1);
    expect(await metricsOf(target, 'r')).toEqual([{ runId: 'r', step: 0, at: 1, values: { accuracy: 0.25 } }]);
    expect([...new Uint8Array((await getAdapter(target, 'a'))!.data)]).toEqual([0, 1, 254, 255]);
    expect([...new Float32Array((await latestCheckpoint(target, 'r'))!.data)]).toEqual([1.5, -2]);
    expect((await Secrets.open(target)).get('anthropic')).toBeUndefined();
  });

  it('merges by default and replaces on request', async () => {
    const source = await freshStore();
    await saveNotebook(source, { id: 'a', title: 'A', source: 'from backup', origin: 'user' });
    const text = (await exportBackup(source)).join('');
    const target = await freshStore();
    await saveNotebook(target, { id: 'b', title: 'B', source: 'local', origin: 'user' });
    await importBackup(target, text);
    expect(await getNotebook(target, 'b')).toBeDefined();
    await importBackup(target, text, { replace: true });
    expect(await getNotebook(target, 'b')).toBeUndefined();
    expect(await getNotebook(target, 'a')).toMatchObject({ source: 'from backup' });
  });

  it('never replaces a shipped notebook: an edited copy comes back beside it with its outputs', async () => {
    const shipped = [{ id: '00-start', source: '# shipped text' }];
    const source = await freshStore();
    await saveNotebook(source, { id: '00-start', title: 'Start', source: '# evil edit', origin: 'shipped' });
    const output = { cellId: 's', kind: 'sample', status: 'done', paramsHash: 'h' } as const;
    await putOutput(source, { notebookId: '00-start', ...output });
    const target = await freshStore();
    await saveNotebook(target, { id: '00-start', title: 'Start', source: '# shipped text', origin: 'shipped' });
    await importBackup(target, (await exportBackup(source)).join(''), { shipped });
    expect(await getNotebook(target, '00-start')).toMatchObject({ source: '# shipped text' });
    expect(await getNotebook(target, '00-start-restored')).toMatchObject({
      title: 'Start (restored)',
      source: '# evil edit',
      origin: 'user',
      trusted: false,
    });
    expect(await getOutputs(target, '00-start-restored')).toHaveLength(1);
    expect(await getOutputs(target, '00-start')).toHaveLength(0);

    await importBackup(target, (await exportBackup(source)).join(''), { shipped, replace: true });
    expect(await getNotebook(target, '00-start')).toBeUndefined(); // the app puts shipped ones back itself
    expect(await getNotebook(target, '00-start-restored')).toMatchObject({ source: '# evil edit' });
  });

  it('restores outputs of an unedited shipped notebook without writing the notebook', async () => {
    const shipped = [{ id: '00-start', source: '# shipped text' }];
    const source = await freshStore();
    await saveNotebook(source, { id: '00-start', title: 'Start', source: '# shipped text', origin: 'shipped' });
    await putOutput(source, { notebookId: '00-start', cellId: 's', kind: 'sample', status: 'done', paramsHash: 'h' });
    const target = await freshStore();
    const counts = await importBackup(target, (await exportBackup(source)).join(''), { shipped });
    expect(counts).toMatchObject({ notebooks: 0, outputs: 1 });
    expect(await getOutputs(target, '00-start')).toHaveLength(1);
  });

  it('names the bad line and writes nothing from a damaged backup', async () => {
    const source = await freshStore();
    await fillWorkspace(source);
    const lines = (await exportBackup(source)).join('').split('\n');
    const damaged = (index: number, line: string) =>
      [...lines.slice(0, index), line, ...lines.slice(index + 1)].join('\n');
    const errorOf = (text: string) => {
      try {
        parseBackup(text);
      } catch (error) {
        return error instanceof BackupError ? error.message : `not a BackupError: ${String(error)}`;
      }
      return 'no error';
    };
    expect(errorOf(damaged(3, '{"type":"traces","record":{"id":7}}'))).toBe(
      "backup line 4: a record of 'traces' needs 'id' (string)",
    );
    expect(errorOf(damaged(2, '{not json'))).toMatch(/^backup line 3: not valid JSON/);
    expect(errorOf(damaged(1, '{"type":"secrets","record":{"name":"anthropic","value":"x"}}'))).toBe(
      'backup line 2: unknown record type "secrets"',
    );
    expect(errorOf(damaged(0, '{"type":"other"}'))).toBe(
      'backup line 1: not a Primer backup (the header line is missing)',
    );
    expect(errorOf(damaged(0, '{"type":"primer-backup","format":99}'))).toMatch(
      /^backup line 1: backup format 99 is newer/,
    );
    const adapterLine = lines.findIndex((l) => l.startsWith('{"type":"adapters"'));
    expect(errorOf(damaged(adapterLine, lines[adapterLine].replace(/\{"\$base64":"[^"]*"\}/, '"AAEC"')))).toBe(
      `backup line ${adapterLine + 1}: a record of 'adapters' needs 'data' (binary)`,
    );

    const target = await freshStore();
    await expect(importBackup(target, damaged(5, 'garbage'))).rejects.toThrow(BackupError);
    expect(await getNotebook(target, 'mine')).toBeUndefined();
  });
});

describe('raw JSONL exports', () => {
  it('writes one record per line', async () => {
    const store = await freshStore();
    await fillWorkspace(store);
    const traces = toJsonl(await tracesBy(store, 'model', 'qwen'));
    expect(traces.split('\n')).toHaveLength(2);
    expect(JSON.parse(traces.split('\n')[0])).toMatchObject({ id: 't1', reward: 1, prompt: 'p' });
    const dataset = datasetJsonl((await getDataset(store, 'd'))!);
    expect(JSON.parse(dataset)).toEqual({
      dataset: 'd',
      condition: 'all_strategies',
      problem: { numbers: [1], target: 1 },
      prompt: 'q',
      completion: 'c',
      correct: true,
    });
  });
});
