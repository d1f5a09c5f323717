// Solutions shown as they are written: text batched per frame, the rules run on complete sentences of the
// growing text, and sample and compare cells streaming through the runner (WebLLM's path, on the stand-in;
// the engine's path is in tests/gpu/live-sample.test.ts).
import 'fake-indexeddb/auto';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { TextBatcher } from '../../src/app/textBatcher.ts';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { completeLength, LiveAnnotator } from '../../src/behaviors/liveAnnotation.ts';
import { annotateSpans } from '../../src/behaviors/rules.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import type { LiveEvent } from '../../src/notebook/live.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import { tracesBy } from '../../src/store/traces.ts';
import { LiveBoard } from '../../src/ui/solutions/liveBoard.svelte.ts';
import { END, prebuiltModel, WebLlmStandIn } from '../support/webllmStandIn.ts';

const PROBLEM = { numbers: [3, 7, 25], target: 46 };
const SOLUTION =
  'Let me try 25 + 7 = 32, not 46. So I need 21 more. Try 3 * 7 = 21 and 25 + 21 = 46. That works!\n<answer>25 + 3 * 7</answer>';

describe('TextBatcher', () => {
  it("hands on each row's text once per frame, with how many tokens it holds", () => {
    const frames: (() => void)[] = [];
    const out: [number, string, number][] = [];
    const batcher = new TextBatcher(
      (row, delta, tokens) => out.push([row, delta, tokens]),
      (flush) => frames.push(flush),
    );
    for (const [row, delta] of [
      [0, 'Let'],
      [1, 'Try'],
      [0, ' me'],
      [0, ' try'],
    ] as const)
      batcher.push(row, delta);
    expect(frames).toHaveLength(1);
    expect(out).toEqual([]);
    frames[0]();
    expect(out).toEqual([
      [0, 'Let me try', 3],
      [1, 'Try', 1],
    ]);
    batcher.push(1, ' 3');
    batcher.flush();
    expect(out.at(-1)).toEqual([1, ' 3', 1]);
    expect(frames).toHaveLength(2);
  });
});

describe('LiveAnnotator', () => {
  it('highlights a sentence as soon as it is complete, and ends with the whole annotation', () => {
    expect(completeLength('Let me try 25 + 7 = 32, not 46. So I ne')).toBe('Let me try 25 + 7 = 32, not 46. '.length);
    expect(completeLength('no end yet')).toBe(0);
    const live = new LiveAnnotator(PROBLEM);
    const seen: string[][] = [];
    for (let end = 1; end <= SOLUTION.length; end++) {
      const spans = live.update(SOLUTION.slice(0, end)).spans;
      seen.push(spans.map((s) => `${s.behavior}:${s.evidence}`));
      for (const s of spans) expect(s.end).toBeLessThanOrEqual(end);
    }
    const firstCheck = seen.findIndex((s) => s.includes('verification:not 46'));
    expect(firstCheck).toBe('Let me try 25 + 7 = 32, not 46. '.length - 1);
    // Once shown, a highlight stays: each sentence only adds.
    for (let i = firstCheck; i < seen.length; i++) expect(seen[i]).toContain('verification:not 46');
    expect(live.update(SOLUTION, true)).toEqual(annotateSpans(PROBLEM, SOLUTION));
  });
});

describe('LiveBoard', () => {
  it('gives a row its reward when its answer closes, and keeps counting behaviors across batches', () => {
    const board = new LiveBoard();
    const rows = (problems = [PROBLEM]): LiveEvent => ({ type: 'rows', column: 0, label: 'm', problems });
    const text = (delta: string): LiveEvent => ({ type: 'text', column: 0, row: 0, delta, tokens: 2 });
    const cut = SOLUTION.indexOf('</answer>');
    board.apply([rows(), text(SOLUTION.slice(0, cut))]);
    const [row] = board.columns[0].rows;
    expect(row.reward).toBeUndefined();
    expect(row.annotation?.counts.verification).toBeGreaterThan(0);
    board.apply([text(SOLUTION.slice(cut))]);
    expect(row.reward).toBe(1);
    const counts = board.columns[0].counts.verification;
    board.apply([rows(), text('Let me check: too high! ')]);
    expect(board.columns[0].counts.verification).toBe(counts + 1);
    expect(board.tokens).toBe(6);
  });
});

/** WebLLM on the stand-in, with each model answering in tokens of a few characters. */
function webllmWorld() {
  const standIn = new WebLlmStandIn({ reply: () => [...(SOLUTION.match(/.{1,4}/gs) ?? []), END] });
  const models = ['Qwen/Qwen2.5-0.5B-Instruct', 'meta-llama/Llama-3.2-1B-Instruct'].map((n) => prebuiltModel(n));
  for (const m of models) standIn.publishTiny(m.record);
  return { standIn, modelList: prebuiltAppConfig.model_list };
}

async function runNotebook(text: string) {
  const { standIn, modelList } = webllmWorld();
  const store = await Store.open({ name: `live-${Math.random()}` });
  const events: LiveEvent[] = [];
  const order: string[] = [];
  const runner = new NotebookRunner({
    notebookId: 'nb',
    notebook: parseNotebook(text),
    trusted: true,
    handlers: createHandlers({
      store,
      gpu: { shaderF16: true },
      webllm: { createEngine: standIn.createEngine, caches: null, modelList },
    }),
    outputs: storeOutputs(store),
    onLive: (cellId, event) => {
      events.push(event);
      order.push(`live:${cellId}`);
    },
    onChange: (cellId, state) => order.push(`${state.status}:${cellId}`),
  });
  await runner.load();
  const ok = await runner.runAll();
  return { runner, store, events, order, ok };
}

const MODELS = `
\`\`\`primer model
id: qwen
source: hub
name: Qwen/Qwen2.5-0.5B-Instruct
backend: webllm
\`\`\`

\`\`\`primer model
id: llama
source: hub
name: meta-llama/Llama-3.2-1B-Instruct
backend: webllm
\`\`\`
`;

/** Each row's streamed text, by column. */
function streamed(events: LiveEvent[]): string[][] {
  const texts: string[][] = [];
  for (const e of events) {
    if (e.type === 'rows') texts[e.column] = e.problems.map(() => '');
    else texts[e.column][e.row] += e.delta;
  }
  return texts;
}

describe('live solutions through the runner (WebLLM)', () => {
  it('a sample cell streams each solution as it is written, before the cell is done', async () => {
    const { runner, store, events, order, ok } = await runNotebook(
      `${MODELS}\n\`\`\`primer sample\nid: live\nmodel: qwen\nproblems: 3\nmax_tokens: 64\n\`\`\`\n`,
    );
    expect(ok).toBe(true);
    expect(runner.state('live').status).toBe('done');
    expect(events[0]).toMatchObject({ type: 'rows', column: 0, label: 'qwen' });
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(3 * 10);
    expect(order.lastIndexOf('live:live')).toBeLessThan(order.indexOf('done:live'));
    const traces = await tracesBy(store, 'cell', ['nb', 'live']);
    expect(streamed(events)[0]).toEqual(traces.map((t) => t.completion));
    expect(traces.every((t) => t.completion === SOLUTION)).toBe(true);
  });

  it('a compare cell streams two models side by side on the same problems and counts their behaviors', async () => {
    const { runner, events, ok } = await runNotebook(
      `${MODELS}\n\`\`\`primer compare\nid: race\nmodels: [qwen, llama]\nproblems: 2\nmax_tokens: 64\n\`\`\`\n`,
    );
    expect(ok).toBe(true);
    const batches = events.filter((e) => e.type === 'rows');
    expect(batches.map((e) => [e.column, e.label])).toEqual([
      [0, 'qwen'],
      [1, 'llama'],
    ]);
    expect(batches[0].problems).toEqual(batches[1].problems);
    // Both columns are written at once: text of the second arrives before the first has finished.
    const columns = events.flatMap((e) => (e.type === 'text' ? [e.column] : []));
    expect(columns.indexOf(1)).toBeLessThan(columns.lastIndexOf(0));
    expect(streamed(events)).toEqual([
      [SOLUTION, SOLUTION],
      [SOLUTION, SOLUTION],
    ]);
    const rows = (runner.state('race').value as { rows: Record<string, number | string>[] }).rows;
    const problems = batches[0].problems;
    const checks = problems.reduce((n, p) => n + annotateSpans(p, SOLUTION).counts.verification, 0) / problems.length;
    expect(checks).toBeGreaterThan(0);
    expect(rows.map((r) => [r.run, r.verification])).toEqual([
      ['qwen', checks],
      ['llama', checks],
    ]);
  });
});
