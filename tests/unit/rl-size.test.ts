// A huge rl cell is refused at once with the estimate, and a run's problems are made as it reaches them:
// the same problems as made all at once, without making all of them first.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { PROBLEM_MEMORY_LIMIT, rlSizeProblem, rolloutBytes } from '../../src/app/rlBudget.ts';
import { fillDefaults } from '../../src/notebook/cells.ts';
import type { CellContext } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import { ProblemSequence } from '../../src/tasks/problemSequence.ts';
import { taskNamed } from '../../src/tasks/registry.ts';

describe('ProblemSequence', () => {
  it.each(['countdown', 'countdown-short'])('gives %s the problems made all at once, in order', (name) => {
    const task = taskNamed(name);
    const all = task.problems('train', 300, 7);
    const lazy = new ProblemSequence(task, 'train', 300, 7);
    expect(all.map((_, i) => lazy.at(i))).toEqual(all);
  });

  it('makes only about twice the problems reached, however many the run names', () => {
    const lazy = new ProblemSequence(taskNamed('countdown'), 'train', 100_000 * 1024, 1);
    const started = performance.now();
    for (let i = 0; i < 100; i++) lazy.at(i);
    expect(lazy.made).toBeLessThanOrEqual(256);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(() => lazy.at(100_000 * 1024)).toThrow('outside this run');
  });
});

describe('rl cell size', () => {
  const huge = { steps: 100_000, prompts: 1024, group: 8, maxTokens: 256 };

  it("refuses what storage cannot hold, giving the rollouts' size", () => {
    const mb = Math.round((100_000 * 1024 * 8 * rolloutBytes(256)) / 2 ** 20).toLocaleString('en-US');
    expect(rlSizeProblem(huge, 2 ** 30)).toBe(
      `this rl cell (100,000 steps × 1,024 problems × 8 solutions) stores 819,200,000 rollouts, about ${mb} MB, ` +
        "and this browser's storage has 1,024 MB free: lower steps, prompts or group (or max_tokens)",
    );
  });

  it('refuses more problems than the engine should hold, and passes a laptop-sized cell', () => {
    expect(rlSizeProblem(huge)).toMatch(/trains on 102,400,000 problems, about 11,719 MB of memory \(at most 512 MB\)/);
    expect(PROBLEM_MEMORY_LIMIT).toBe(512 * 2 ** 20);
    expect(rlSizeProblem({ steps: 100, prompts: 16, group: 8, maxTokens: 512 }, 2 ** 30)).toBeNull();
  });

  it('an rl cell of 100,000 steps × 1,024 problems is refused at once, before any model or problem is touched', async () => {
    const store = await Store.open({ name: `rl-size-${Math.random()}` });
    const rl = createHandlers({ store }).rl!;
    const ctx = (steps: number, prompts: number) =>
      ({
        notebookId: 'nb',
        cell: { kind: 'rl', id: 'r', params: {}, source: '', line: 0 },
        params: fillDefaults('rl', { model: 'm', steps, prompts }),
        inputs: { m: { kind: 'model', params: {}, value: { type: 'model', handle: 'm', base: 'm', spec: {} } } },
        signal: new AbortController().signal,
        attempt: 'a',
        progress: () => {},
        live: () => {},
        savePartial: async () => {},
        saveCheckpoint: async () => {},
      }) as unknown as CellContext;
    const started = performance.now();
    await expect(rl(ctx(100_000, 1024))).rejects.toThrow(/trains on 102,400,000 problems, about [\d,]+ MB of memory/);
    expect(performance.now() - started).toBeLessThan(1_000);
    // A cell of a sane size gets past the check to the engine (absent here).
    await expect(rl(ctx(10, 4))).rejects.toThrow(/needs WebGPU/);
  });
});
