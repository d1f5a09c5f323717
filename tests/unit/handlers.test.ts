// Cell handlers that need no GPU, against a real (in-memory) IndexedDB store.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { validateNotebook } from '../../src/notebook/validate.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import { getDataset, tracesBy } from '../../src/store/traces.ts';
import { Secrets } from '../../src/store/secrets.ts';
import { startAnthropicServer, text } from '../support/anthropic-server.ts';

const NOTEBOOK = `---
title: offline cells
---

\`\`\`primer dataset
id: data
source: offline
condition: backtracking_verification
size: 3
seed: 2
\`\`\`

\`\`\`primer js
id: check
from: [data]
---
const traces = await nb.traces('data');
return { rewards: traces.map((t) => nb.reward(t.completion, t.problem)), shown: inputs.data.value.behaviors, n: nb.problems(2, 5).length };
\`\`\`

\`\`\`primer compare
id: vs
from: [data]
paper: [qwen2.5-3b/backtracking_verification]
\`\`\`

\`\`\`primer chart
id: bars
from: [data]
y: [backtracking]
style: bar
\`\`\`
`;

describe('offline cell handlers', () => {
  it('build a dataset, run trusted js with the nb API, compare with the paper and chart', async () => {
    const store = await Store.open({ name: `handlers-${Math.random()}` });
    const runner = new NotebookRunner({
      notebookId: 'nb',
      notebook: parseNotebook(NOTEBOOK),
      trusted: true,
      handlers: createHandlers({ store }),
      outputs: storeOutputs(store),
    });
    await runner.load();
    const ok = await runner.runAll();
    expect(['data', 'check', 'vs', 'bars'].map((id) => runner.state(id).error ?? runner.state(id).status)).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    expect(ok).toBe(true);
    const traces = await tracesBy(store, 'cell', ['nb', 'data']);
    expect(traces).toHaveLength(3);
    expect(traces.every((t) => t.annotations?.[0].counts.backtracking)).toBe(true);
    const js = runner.state('check').value as { rewards: number[]; shown: Record<string, number>; n: number };
    expect(js.rewards).toEqual([1, 1, 1]);
    expect(js.shown.verification).toBeGreaterThan(0);
    expect(js.shown.subgoal).toBe(0);
    expect(js.n).toBe(2);
    const compare = runner.state('vs').value as { rows: { run: string }[] };
    expect(compare.rows.map((r) => r.run)).toEqual(['data', 'paper: Qwen-2.5-3B backtracking_verification @0']);
    expect((runner.state('bars').value as { charts: { kind: string }[] }).charts[0].kind).toBe('bar');
  });

  it('refuses engine cells clearly where there is no GPU', async () => {
    const store = await Store.open({ name: `handlers-${Math.random()}` });
    const nb = parseNotebook('```primer model\nid: m\nsource: scratch\nlayers: 1\ndim: 32\nheads: 2\n```\n');
    const runner = new NotebookRunner({
      notebookId: 'nb',
      notebook: nb,
      trusted: true,
      handlers: createHandlers({ store }),
      outputs: storeOutputs(store),
    });
    await runner.load();
    expect(await runner.runAll()).toBe(false);
    expect(runner.state('m').error).toMatch(/needs WebGPU/);
  });
});

describe('dataset cells from Claude and from earlier traces', () => {
  const notebook = (size: number) =>
    parseNotebook(`\`\`\`primer dataset
id: claude
source: claude
condition: all_strategies
claude_model: claude-test-1
size: ${size}
seed: 4
\`\`\`

\`\`\`primer dataset
id: again
source: traces
from: claude
condition: all_strategies
size: 10
\`\`\`
`);

  it('keeps each Claude trace as it arrives, continues a cut-off build, and reuses traces', async () => {
    const server = await startAnthropicServer();
    server.respondWith(() =>
      text('Let me try 3 + 5 = 8, which is not 22. Too low.\n</think>\n<answer> 3 + 5 </answer>'),
    );
    try {
      const store = await Store.open({ name: `handlers-${Math.random()}` });
      const secrets = await Secrets.open(store);
      await secrets.set('anthropic', 'sk-ant-test-key-0000000000000000000000');
      const env = { store, secrets, anthropicBaseURL: server.url };
      const runAll = async (size: number) => {
        const runner = new NotebookRunner({
          notebookId: 'nb',
          notebook: notebook(size),
          trusted: true,
          handlers: createHandlers(env),
          outputs: storeOutputs(store),
        });
        await runner.load();
        await runner.runAll({ force: true });
        return runner;
      };
      const first = await runAll(2);
      expect(first.state('claude').status).toBe('done');
      expect(await tracesBy(store, 'cell', ['nb', 'claude'])).toHaveLength(2);
      const asked = server.requests.filter((r) => r.path === '/v1/messages').length;
      expect(asked).toBe(2);
      // A larger target continues from the two stored traces: only the missing one is asked for.
      const second = await runAll(3);
      expect(server.requests.filter((r) => r.path === '/v1/messages').length).toBe(asked + 1);
      expect(await tracesBy(store, 'cell', ['nb', 'claude'])).toHaveLength(3);
      expect((second.state('again').value as { count: number }).count).toBe(3);
      expect(JSON.stringify(await tracesBy(store, 'cell', ['nb', 'claude']))).not.toContain('sk-ant-test');
    } finally {
      server.close();
    }
  });

  it('needs an Anthropic key, and says so', async () => {
    const store = await Store.open({ name: `handlers-${Math.random()}` });
    const runner = new NotebookRunner({
      notebookId: 'nb',
      notebook: notebook(1),
      trusted: true,
      handlers: createHandlers({ store }),
      outputs: storeOutputs(store),
    });
    await runner.load();
    await runner.runAll();
    expect(runner.state('claude').error).toMatch(/Anthropic API key/);
  });
});

describe('controls derived from the dataset a cell names', () => {
  it('empty_cot and incorrect_only are made from the Claude set named, whatever the source field says', async () => {
    const server = await startAnthropicServer();
    server.respondWith(() =>
      text('Let me try 3 + 5 = 8, which is not 22. Too low.\n</think>\n<answer> 3 + 5 </answer>'),
    );
    try {
      const store = await Store.open({ name: `handlers-${Math.random()}` });
      const secrets = await Secrets.open(store);
      await secrets.set('anthropic', 'sk-ant-test-key-0000000000000000000000');
      const runner = new NotebookRunner({
        notebookId: 'nb',
        notebook: parseNotebook(
          [
            'id: claude\nsource: claude\ncondition: all_strategies\nclaude_model: claude-test-1\nsize: 4\nseed: 4',
            'id: empty\nsource: traces\nfrom: claude\ncondition: empty_cot\nsize: 10',
            'id: offline_named\nsource: offline\nfrom: claude\ncondition: empty_cot\nsize: 10',
            'id: wrong\nsource: traces\nfrom: claude\ncondition: incorrect_only\nsize: 10',
          ]
            .map((body) => `\`\`\`primer dataset\n${body}\n\`\`\`\n`)
            .join('\n'),
        ),
        trusted: true,
        handlers: createHandlers({ store, secrets, anthropicBaseURL: server.url }),
        outputs: storeOutputs(store),
      });
      await runner.load();
      await runner.runAll({ force: true });
      const claude = await getDataset(store, 'nb/claude');
      for (const id of ['empty', 'offline_named']) {
        expect(runner.state(id).error).toBeUndefined();
        const d = (await getDataset(store, `nb/${id}`))!;
        expect(d).toMatchObject({ condition: 'empty_cot', source: 'claude' });
        expect(d.traces.map((t) => t.problem)).toEqual(claude!.traces.map((t) => t.problem));
        // The reasoning is gone; each answer is Claude's own.
        expect(d.traces.map((t) => t.completion)).toEqual(
          claude!.traces.map(
            (t) => ` </think>\n<answer> ${t.completion.match(/<answer> (.*) <\/answer>/)![1]} </answer>`,
          ),
        );
      }
      const wrong = (await getDataset(store, 'nb/wrong'))!;
      expect(wrong.condition).toBe('incorrect_only');
      expect(wrong.traces.length).toBeGreaterThan(0);
      // Claude's wrong traces, reasoning and all (these canned answers use the wrong numbers, so all are wrong).
      expect(wrong.traces.map((t) => t.completion)).toEqual(
        claude!.traces.filter((t) => !t.correct).map((t) => t.completion),
      );
    } finally {
      server.close();
    }
  });

  it('length_matched asks for the model being primed, whose tokenizer counts the tokens', () => {
    const problems = validateNotebook(
      parseNotebook('```primer dataset\nid: d\nsource: offline\ncondition: length_matched\nsize: 3\n```\n'),
    );
    expect(problems.map((p) => p.message).join('\n')).toMatch(/'model' is required for length_matched/);
  });
});

describe('annotate cells with a Claude judge', () => {
  it('picks the judge from the models the key lists and stores its annotations beside the rules', async () => {
    const server = await startAnthropicServer();
    server.models = [
      { id: 'claude-opus-test', display_name: 'Opus', created_at: '2026-01-01T00:00:00Z' },
      { id: 'claude-haiku-test', display_name: 'Haiku', created_at: '2026-01-01T00:00:00Z' },
    ];
    server.respondWith(() =>
      text('<annotation>\n{"verification": [], "backtracking": [], "subgoal": [], "backward": []}\n</annotation>'),
    );
    try {
      const store = await Store.open({ name: `handlers-${Math.random()}` });
      const secrets = await Secrets.open(store);
      await secrets.set('anthropic', 'sk-ant-test-key-0000000000000000000000');
      const nb = parseNotebook(
        '```primer dataset\nid: d\nsource: offline\ncondition: only_backtracking\nsize: 2\n```\n\n```primer annotate\nid: judged\nfrom: d\nannotator: claude\n```\n',
      );
      const runner = new NotebookRunner({
        notebookId: 'nb',
        notebook: nb,
        trusted: true,
        handlers: createHandlers({ store, secrets, anthropicBaseURL: server.url }),
        outputs: storeOutputs(store),
      });
      await runner.load();
      expect(await runner.runAll()).toBe(true);
      const asked = server.requests
        .filter((r) => r.path === '/v1/messages')
        .map((r) => (r.body as { model: string }).model);
      expect(asked).toEqual(['claude-haiku-test', 'claude-haiku-test']);
      const traces = await tracesBy(store, 'cell', ['nb', 'd']);
      expect(traces.map((t) => t.annotations?.map((a) => a.annotator).sort())).toEqual([
        ['claude:claude-haiku-test', 'rules'],
        ['claude:claude-haiku-test', 'rules'],
      ]);
      // The judge (which finds nothing) is compared with the rules (which find backtracking in every trace).
      const notes = (runner.state('judged').value as { notes: string[] }).notes.join('\n');
      expect(notes).toMatch(/Agreement of claude:claude-haiku-test with the rule annotator on 2 traces: presence 75%/);
      expect(notes).toMatch(/backtracking 0% \(κ 0.00; rules 100%, judge 0% of traces\)/);
    } finally {
      server.close();
    }
  });
});
