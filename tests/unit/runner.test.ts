import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/db.ts';
import { getOutputs, putOutput } from '../../src/store/notebooks.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import {
  NotebookRunner,
  UNTRUSTED_JS,
  storeOutputs,
  type CellContext,
  type CellHandlers,
  type CellState,
} from '../../src/notebook/runner.ts';
import type { JsonValue } from '../../src/store/schema.ts';

const text = (problems = 4, size = 10) => `---
title: Runner test
params:
  n: ${problems}
---
\`\`\`primer model
id: m
source: scratch
layers: 1
dim: 8
heads: 1
\`\`\`
\`\`\`primer sample
id: s
model: m
problems: $n
\`\`\`
\`\`\`primer annotate
id: a
from: s
annotator: rules
\`\`\`
\`\`\`primer chart
id: c
from: [a]
y: [accuracy]
\`\`\`
\`\`\`primer dataset
id: d
source: offline
condition: all_strategies
size: ${size}
\`\`\`
`;

let opened: Store[] = [];
afterEach(() => {
  for (const store of opened) store.close();
  opened = [];
});

async function freshStore(): Promise<Store> {
  const store = await Store.open({ name: `runner-test-${crypto.randomUUID()}` });
  opened.push(store);
  return store;
}

/** Handlers that log each call and return a value built from their params and inputs. */
function scripted(overrides: CellHandlers = {}) {
  const calls: string[] = [];
  const contexts: Record<string, CellContext> = {};
  const record = (ctx: CellContext) => {
    calls.push(ctx.cell.id);
    contexts[ctx.cell.id] = ctx;
  };
  const handlers: CellHandlers = {
    model: async (ctx) => (record(ctx), { layers: ctx.params.layers }),
    sample: async (ctx) => (record(ctx), { problems: ctx.params.problems, model: ctx.inputs.m.value }),
    annotate: async (ctx) => (record(ctx), { annotated: ctx.inputs.s.value }),
    chart: async (ctx) => (record(ctx), { series: Object.keys(ctx.inputs) }),
    dataset: async (ctx) => (record(ctx), { size: ctx.params.size }),
    js: async (ctx) => (record(ctx), { codeLength: ctx.cell.source.length }),
  };
  for (const [kind, handler] of Object.entries(overrides)) {
    handlers[kind as keyof CellHandlers] = async (ctx) => (record(ctx), handler!(ctx));
  }
  return { handlers, calls, contexts };
}

async function runner(store: Store, handlers: CellHandlers, source = text(), trusted = false) {
  const changes: [string, CellState][] = [];
  const r = new NotebookRunner({
    notebookId: 'nb',
    notebook: parseNotebook(source),
    trusted,
    handlers,
    outputs: storeOutputs(store),
    onChange: (id, state) => changes.push([id, state]),
  });
  await r.load();
  return Object.assign(r, { changes });
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runner', () => {
  it('runs all cells in document order and hands each the results it refers to', async () => {
    const store = await freshStore();
    const { handlers, calls, contexts } = scripted();
    const r = await runner(store, handlers);
    expect(await r.runAll()).toBe(true);
    expect(calls).toEqual(['m', 's', 'a', 'c', 'd']);
    // The handler gets the cell's params checked and filled with its declaration's defaults.
    expect(contexts.s.params).toMatchObject({ model: 'm', problems: 4, temperature: 1, template: 'base', seed: 1 });
    expect(contexts.s.inputs).toEqual({
      m: { kind: 'model', params: { source: 'scratch', layers: 1, dim: 8, heads: 1 }, value: { layers: 1 } },
    });
    expect(r.state('a')).toMatchObject({ status: 'done', value: { annotated: { problems: 4, model: { layers: 1 } } } });
    expect(r.state('c').value).toEqual({ series: ['a'] });
    const stored = await getOutputs(store, 'nb');
    expect(stored.map((o) => [o.cellId, o.status]).sort()).toEqual([
      ['a', 'done'],
      ['c', 'done'],
      ['d', 'done'],
      ['m', 'done'],
      ['s', 'done'],
    ]);
    expect(r.changes.filter(([id]) => id === 's').map(([, state]) => state.status)).toEqual([
      'idle',
      'running',
      'done',
    ]);
  });

  it('skips cells whose params are unchanged, also after a reload', async () => {
    const store = await freshStore();
    const first = scripted();
    await (await runner(store, first.handlers)).runAll();
    const again = scripted();
    const reloaded = await runner(store, again.handlers);
    expect(reloaded.state('c').status).toBe('done');
    expect(await reloaded.runAll()).toBe(true);
    expect(again.calls).toEqual([]);
  });

  it('marks a changed cell and everything downstream stale, and re-runs only those', async () => {
    const store = await freshStore();
    const { handlers, calls } = scripted();
    const r = await runner(store, handlers);
    await r.runAll();
    calls.length = 0;
    r.update(parseNotebook(text(8))); // a front-matter param feeds s, so s, a and c change
    expect(['m', 's', 'a', 'c', 'd'].map((id) => r.state(id).status)).toEqual([
      'done',
      'stale',
      'stale',
      'stale',
      'done',
    ]);
    await r.runAll();
    expect(calls).toEqual(['s', 'a', 'c']);
    expect(r.state('s').value).toMatchObject({ problems: 8 });
  });

  it('runs one cell after bringing the cells it uses up to date, and re-runs it when asked', async () => {
    const store = await freshStore();
    const { handlers, calls } = scripted();
    const r = await runner(store, handlers);
    expect(await r.run('a')).toBe(true);
    expect(calls).toEqual(['m', 's', 'a']);
    expect(r.state('c').status).toBe('idle');
    await r.run('a');
    expect(calls).toEqual(['m', 's', 'a', 'a']);
    await r.run('a', { force: false });
    expect(calls).toHaveLength(4);
    await expect(r.run('nope')).rejects.toThrow('No cell "nope" in this notebook');
  });

  it('stops run-all at a failing cell, stores its error and blocks the cells that use it', async () => {
    const store = await freshStore();
    const { handlers, calls } = scripted({
      sample: async () => {
        throw new Error('GPU device lost');
      },
    });
    const r = await runner(store, handlers);
    expect(await r.runAll()).toBe(false);
    expect(calls).toEqual(['m', 's']);
    expect(r.state('s')).toMatchObject({ status: 'error', error: 'GPU device lost' });
    expect(r.state('a')).toMatchObject({ status: 'blocked', error: 'Blocked: "s" did not finish' });
    expect(r.state('c')).toMatchObject({ status: 'blocked', error: 'Blocked: "a" did not finish' });
    expect(r.state('d').status).toBe('idle');
    expect((await getOutputs(store, 'nb')).find((o) => o.cellId === 's')).toMatchObject({
      status: 'error',
      error: 'GPU device lost',
    });
    expect((await getOutputs(store, 'nb')).find((o) => o.cellId === 'a')).toBeUndefined(); // blocked is never stored
  });

  it('cancels the running cell, stores that, and stops run-all', async () => {
    const store = await freshStore();
    const started = deferred();
    const { handlers, calls } = scripted({
      sample: (ctx) => {
        started.resolve();
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      },
    });
    const r = await runner(store, handlers);
    const running = r.runAll();
    await started.promise;
    expect(r.running).toBe(true);
    await expect(r.runAll()).rejects.toThrow('A cell is already running');
    r.cancel();
    expect(await running).toBe(false);
    expect(calls).toEqual(['m', 's']);
    expect(r.state('s')).toMatchObject({ status: 'cancelled', error: 'Cancelled' });
    expect((await getOutputs(store, 'nb')).find((o) => o.cellId === 's')?.status).toBe('cancelled');
    expect(r.running).toBe(false);
  });

  it('reports progress and saves partial results and checkpoints as they come', async () => {
    const store = await freshStore();
    const release = deferred();
    const midway = deferred();
    const { handlers } = scripted({
      sample: async (ctx) => {
        ctx.progress({ what: 'problems', done: 2, total: 4, rate: 1.5, secondsLeft: 2 });
        await ctx.savePartial({ traces: 2 });
        await ctx.saveCheckpoint('sample-s-2');
        midway.resolve();
        await release.promise;
        return { traces: 4 };
      },
    });
    const r = await runner(store, handlers);
    const done = r.run('s');
    await midway.promise;
    expect(r.state('s')).toMatchObject({ status: 'running', progress: { done: 2, total: 4 }, value: { traces: 2 } });
    expect((await getOutputs(store, 'nb')).find((o) => o.cellId === 's')).toMatchObject({
      status: 'running',
      value: { traces: 2 },
      checkpoint: 'sample-s-2',
      progress: { what: 'problems', done: 2 },
    });
    release.resolve();
    await done;
    expect(r.state('s')).toEqual(
      expect.objectContaining({ status: 'done', value: { traces: 4 }, progress: undefined }),
    );
  });

  it('marks a cell cut off mid-run as interrupted on reload, and resumes it from its checkpoint', async () => {
    const store = await freshStore();
    const saved = deferred();
    const first = scripted({
      sample: async (ctx) => {
        await ctx.saveCheckpoint('run-17');
        saved.resolve();
        return new Promise<JsonValue>(() => {}); // the tab closes here
      },
    });
    void (await runner(store, first.handlers)).runAll();
    await saved.promise;

    const second = scripted({ sample: async (ctx) => ({ resumedFrom: ctx.resumeFrom ?? null }) });
    const reloaded = await runner(store, second.handlers);
    expect(reloaded.state('s').status).toBe('interrupted');
    expect((await getOutputs(store, 'nb')).find((o) => o.cellId === 's')?.status).toBe('interrupted');
    await reloaded.runAll();
    expect(second.calls).toEqual(['s', 'a', 'c', 'd']);
    expect(reloaded.state('s').value).toEqual({ resumedFrom: 'run-17' });
    expect(second.contexts.a.resumeFrom).toBeUndefined();
  });

  it('does not resume from a checkpoint made with other params', async () => {
    const store = await freshStore();
    await putOutput(store, {
      notebookId: 'nb',
      cellId: 's',
      kind: 'sample',
      status: 'running',
      paramsHash: 'old',
      checkpoint: 'run-1',
    });
    const { handlers, contexts } = scripted();
    const r = await runner(store, handlers);
    await r.run('s');
    expect(contexts.s.resumeFrom).toBeUndefined();
  });

  it('refuses js cells until the notebook is trusted, whatever its origin', async () => {
    const js = text() + '```primer js\nid: code\nfrom: [d]\n---\nreturn inputs.d;\n```\n';
    const store = await freshStore();
    const { handlers, calls } = scripted();
    const untrusted = await runner(store, handlers, js);
    expect(await untrusted.runAll()).toBe(false);
    expect(untrusted.state('code')).toEqual({ status: 'error', error: UNTRUSTED_JS });
    expect(calls).not.toContain('code');
    untrusted.trusted = true;
    expect(await untrusted.run('code')).toBe(true);
    expect(calls).toContain('code');
    const trusted = scripted();
    expect(await (await runner(await freshStore(), trusted.handlers, js, true)).runAll()).toBe(true);
    expect(trusted.calls).toContain('code');
  });

  it('refuses cells with invalid params or no handler, naming the line', async () => {
    const store = await freshStore();
    const { handlers, calls } = scripted();
    const r = await runner(store, handlers, text(4, -1));
    expect(await r.run('d')).toBe(false);
    expect(r.state('d')).toEqual({
      status: 'error',
      error: 'line 32: dataset cell "d": \'size\' must be between 1 and 100000 (got -1)',
    });
    expect(calls).toEqual([]);
    const { model: _dropped, ...withoutModel } = handlers;
    const partial = await runner(await freshStore(), withoutModel);
    expect(await partial.runAll()).toBe(false);
    expect(partial.state('m')).toEqual({ status: 'error', error: 'This build cannot run model cells (no handler)' });
    expect(partial.state('s').status).toBe('blocked');
  });
});
