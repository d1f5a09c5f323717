import 'fake-indexeddb/auto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeRunFiles } from '../../src/cli/commands/import-run.ts';
import { Store } from '../../src/store/db.ts';
import { tracesBy } from '../../src/store/traces.ts';
import { parseVerlConsoleLine, problemFromPrompt } from '../../src/scaleout/import/formats.ts';
import { importRun, type ImportedTrace } from '../../src/scaleout/import/importRun.ts';
import { importedCurves, importRunToStore } from '../../src/scaleout/import/toStore.ts';
import { Secrets } from '../../src/store/secrets.ts';
import { importedRunsView } from '../../src/ui/notebook/scaleout.ts';
import { startAnthropicServer, text } from '../support/anthropic-server.ts';
import { STEPS, writeTrlRun, writeVerlRun } from '../support/runFolders.ts';

function folder(write: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'primer-run-'));
  write(dir);
  return dir;
}

async function read(dir: string, samplePerStep = 4) {
  const traces: ImportedTrace[] = [];
  const run = await importRun(await nodeRunFiles(dir), {
    samplePerStep,
    onTraces: async (b) => void traces.push(...b),
  });
  return { run, traces };
}

describe('reading what the engines write', () => {
  it("parses veRL's console lines, with Ray's prefix and numpy's number reprs", () => {
    expect(parseVerlConsoleLine('(TaskRunner pid=7) step:12 - a/b:np.float64(0.25) - c:3 - d:True')).toEqual({
      step: 12,
      values: { 'a/b': 0.25, c: 3, d: 1 },
    });
    expect(parseVerlConsoleLine('Dumped generations to x/12.jsonl')).toBeNull();
    expect(problemFromPrompt('User: Using the numbers [3, 5, 7], create an equation that equals 22. You')).toEqual({
      numbers: [3, 5, 7],
      target: 22,
    });
  });

  it(
    'a veRL run: held-out accuracy from its logger, behaviors from its generation dumps',
    { timeout: 60_000 },
    async () => {
      const { run, traces } = await read(folder(writeVerlRun));
      expect(run.engine).toBe('verl');
      expect(run.label).toBe('rl_primed (verl)');
      expect(run.curve.map((m) => [m.step, m.accuracy])).toEqual(STEPS.map((s, i) => [s, 0.2 + 0.25 * i]));
      expect(run.generations).toBe(18);
      expect(traces).toHaveLength(12);
      expect(traces.every((t) => t.annotation.annotator === 'rules')).toBe(true);
      // The negative control (step 0) shows no backtracking; all_strategies (steps 10, 20) does.
      expect(run.curve[0].behaviors.backtracking).toBe(0);
      expect(run.curve[2].behaviors.backtracking).toBeGreaterThan(0);
      expect(run.curve[2].loss).toBe(-0.01);
    },
  );

  it(
    "a TRL run: the last checkpoint's log history and the completions Parquet files",
    { timeout: 60_000 },
    async () => {
      const { run, traces } = await read(folder(writeTrlRun), 100);
      expect(run.engine).toBe('trl');
      expect(run.curve.map((m) => [m.step, m.accuracy])).toEqual(STEPS.map((s, i) => [s, 0.15 + 0.3 * i]));
      expect(run.generations).toBe(18);
      expect(traces).toHaveLength(18);
      expect(new Set(traces.map((t) => t.step))).toEqual(new Set(STEPS));
      expect(run.curve[2].meanLength).toBeGreaterThan(100);
    },
  );

  it('names the file and line of a bad record, and says what it looked for in an empty folder', async () => {
    const bad = folder((dir) => writeFileSync(join(dir, 'gens.jsonl'), '{"prompt": "p", "completion": "c"}\n{oops\n'));
    await expect(read(bad)).rejects.toThrow(/gens.jsonl line 1: .*Countdown problem/);
    const broken = folder((dir) => writeFileSync(join(dir, 'gens.jsonl'), '{oops\n'));
    await expect(read(broken)).rejects.toThrow('gens.jsonl line 1: not valid JSON');
    await expect(read(folder(() => undefined))).rejects.toThrow(/found no metrics and no generations/);
  });
});

describe('an imported run in the store', () => {
  it('becomes a run of the notebook with a curve and annotated traces', { timeout: 60_000 }, async () => {
    const store = await Store.open({ name: `import-${Date.now()}` });
    const stored = await importRunToStore(store, await nodeRunFiles(folder(writeVerlRun)), 'nb');
    const curves = await importedCurves(store, 'nb');
    expect(curves).toHaveLength(1);
    expect(curves[0].label).toBe('imported: rl_primed (verl)');
    expect(curves[0].steps.map((m) => m.step)).toEqual(STEPS);
    expect(await importedCurves(store, 'another notebook')).toEqual([]);
    const traces = await tracesBy(store, 'run', stored.runId);
    expect(traces).toHaveLength(stored.stored);
    expect(traces[0].annotations?.[0].spans.length).toBeGreaterThanOrEqual(0);
    expect(traces.some((t) => (t.annotations?.[0].spans.length ?? 0) > 0)).toBe(true);
  });

  it('lists its completions for the notebook, and a Claude judge annotates them beside the rules', async () => {
    const server = await startAnthropicServer();
    server.models = [{ id: 'claude-haiku-test', display_name: 'Haiku', created_at: '2026-01-01T00:00:00Z' }];
    server.respondWith(() =>
      text('<annotation>\n{"verification": [], "backtracking": [], "subgoal": [], "backward": []}\n</annotation>'),
    );
    try {
      const store = await Store.open({ name: `import-judge-${Date.now()}` });
      const secrets = await Secrets.open(store);
      const stored = await importRunToStore(store, await nodeRunFiles(folder(writeVerlRun)), 'nb');
      const view = importedRunsView(
        async () => store,
        'nb',
        () => secrets,
        server.url,
      );
      expect(await view.list()).toMatchObject([{ runId: stored.runId, label: 'rl_primed (verl)', engine: 'verl' }]);
      expect(await view.traces(stored.runId)).toHaveLength(18);
      await expect(view.annotate(stored.runId, 'claude')).rejects.toThrow(/needs an Anthropic API key/);

      await secrets.set('anthropic', 'sk-ant-test-key-0000000000000000000000');
      const notes = (await view.annotate(stored.runId, 'claude')).join('\n');
      expect(notes).toMatch(/^By claude:claude-haiku-test, on 18 completions, per solution: verification 0.00/);
      expect(notes).toMatch(/Agreement of claude:claude-haiku-test with the rule annotator on 18 traces/);
      const traces = await view.traces(stored.runId);
      expect(traces.map((t) => t.annotations?.map((a) => a.annotator).sort())).toEqual(
        traces.map(() => ['claude:claude-haiku-test', 'rules']),
      );
      expect(server.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(18);
    } finally {
      server.close();
    }
  });
});
