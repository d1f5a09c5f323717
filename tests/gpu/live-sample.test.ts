// A sample cell on Primer's engine (Dawn) streams its solutions through the runner as they are written: the
// engine batches each row's text per frame, and what streamed is exactly what was stored.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { LocalEngine } from '../../src/app/localEngine.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import type { LiveEvent } from '../../src/notebook/live.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import { tracesBy } from '../../src/store/traces.ts';

const NOTEBOOK = `
\`\`\`primer model
id: tiny
source: scratch
layers: 1
dim: 32
heads: 2
context: 1024
\`\`\`

\`\`\`primer sample
id: live
model: tiny
problems: 3
max_tokens: 40
seed: 5
\`\`\`
`;

describe('live sampling on the engine', () => {
  it('streams every row of a sample cell, batched, before the cell is done', async () => {
    const store = await Store.open({ name: `live-gpu-${Math.random()}` });
    const events: LiveEvent[] = [];
    let doneAt = -1;
    const runner = new NotebookRunner({
      notebookId: 'nb',
      notebook: parseNotebook(NOTEBOOK),
      trusted: true,
      handlers: createHandlers({ store, engine: new LocalEngine() }),
      outputs: storeOutputs(store),
      onLive: (_, event) => events.push(event),
      onChange: (id, state) => {
        if (id === 'live' && state.status === 'done') doneAt = events.length;
      },
    });
    await runner.load();
    const ok = await runner.runAll();
    expect([runner.state('tiny').error, runner.state('live').error, ok]).toEqual([undefined, undefined, true]);
    expect(doneAt).toBe(events.length);
    expect(events[0]).toMatchObject({ type: 'rows', column: 0, label: 'tiny' });
    const text = events.filter((e) => e.type === 'text');
    const texts = ['', '', ''];
    for (const e of text) texts[e.row] += e.delta;
    const traces = await tracesBy(store, 'cell', ['nb', 'live']);
    expect([...texts].sort()).toEqual(traces.map((t) => t.completion).sort());
    expect(texts.every((t) => t.length > 0)).toBe(true);
    // One event per row per frame, not per token: each carries the tokens it holds.
    const tokens = text.reduce((n, e) => n + e.tokens, 0);
    expect(tokens).toBeGreaterThanOrEqual(text.length);
    expect(tokens).toBeLessThanOrEqual(3 * 40);
  });
});
