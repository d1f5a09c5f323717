// `primer experiment offline` at CI size: notebook 00's twins (all_strategies and empty_cot priming, the same
// GRPO on each) run headless on a one-layer model, every cell completes and results.json is written. Only the
// deterministic parts are asserted: what the priming data shows, and the shape of the results; a model this
// small and this briefly trained learns nothing worth asserting.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BEHAVIORS } from '../../src/behaviors/types.ts';

const run = promisify(execFile);
const CI_SIZE = {
  layers: 1,
  dim: 16,
  traces: 4,
  epochs: 1,
  rl_steps: 1,
  prompts: 1,
  group: 2,
  max_tokens: 8,
  eval_problems: 4,
  'before_rl.problems': 2,
  'before_rl.max_tokens': 8,
};

interface Share {
  value: number;
  n: number;
  ci95: [number, number];
}

describe('primer experiment offline (CI size)', () => {
  it('runs every cell of notebook 00 and writes results.json for both twins', async () => {
    const out = await mkdtemp(join(tmpdir(), 'primer-experiment-'));
    const sets = Object.entries(CI_SIZE).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const { stdout } = await run('node', ['bin/primer.js', 'experiment', 'offline', ...sets, '--out', out], {
      timeout: 400_000,
    });
    expect(stdout).toMatch(/wrote .*results\.json/);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(results.completed).toBe(true);
    expect(Object.values(results.cellStatus)).toEqual(Array(11).fill('done'));
    expect(results.heldOutProblems).toBe(4);
    expect(results.settings).toContain('traces=4');
    expect(Object.keys(results.cellStatus)).not.toContain('judge'); // the optional judge downloads a model
    expect(results.conditions.map((c: { condition: string }) => c.condition)).toEqual(['all_strategies', 'empty_cot']);
    for (const c of results.conditions) {
      for (const share of [c.accuracyBeforeRl, c.accuracyAfterRl] as Share[]) {
        expect(share.n).toBe(4);
        expect(share.ci95[0]).toBeLessThanOrEqual(share.value);
        expect(share.ci95[1]).toBeGreaterThanOrEqual(share.value);
      }
      for (const b of BEHAVIORS) expect(c.behaviorsAfterPriming[b]).toBeGreaterThanOrEqual(0);
      expect(c.seconds.prime).toBeGreaterThanOrEqual(0);
    }
    expect(Object.keys(results.targets)).toHaveLength(5);

    // What the twins were primed on: every narrated trace shows all four behaviors, the empty ones none, and
    // both sets hold the same problems with the same answers, under the short prompt.
    const outputs = JSON.parse(await readFile(join(out, 'outputs.json'), 'utf8'));
    // The twins' tokenizer: word pieces fitted to the narrated traces (a number or a word is one token).
    expect(outputs.tiny.value.spec.pieces).toEqual(expect.arrayContaining(['<think>', ' Target']));
    for (const b of BEHAVIORS) {
      expect(outputs.narrated.value.behaviors[b]).toBeGreaterThan(0);
      expect(outputs.empty.value.behaviors[b]).toBe(0);
    }
    const traces = (await readFile(join(out, 'traces.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const of = (cell: string) => traces.filter((t) => t.cellId === cell);
    const answer = (t: { completion: string }) => t.completion.slice(t.completion.lastIndexOf('<answer>'));
    const pairs = (cell: string) =>
      of(cell)
        .map((t) => `${t.prompt} ${answer(t)}`)
        .sort();
    expect(pairs('empty')).toEqual(pairs('narrated'));
    expect(pairs('empty')).toHaveLength(4);
    for (const t of of('narrated')) expect(t.prompt).toMatch(/^Numbers: \d+ \d+ \d+\. Target: \d+\.\n<think>$/);
  }, 420_000);
});
