// A notebook names the short-prompt Countdown (`task: countdown-short`): its dataset narrates that task's
// easy problems, the prime cell trains on "Numbers: ... Target: ...\n<think>" prompts, and sample and RL
// give a scratch model the same short prompt, all on the real engine.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { LocalEngine } from '../../src/app/localEngine.ts';
import type { PrimeJob, TrainHooks } from '../../src/app/engineService.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import { tracesBy } from '../../src/store/traces.ts';
import type { CountdownProblem } from '../../src/tasks/types.ts';

/** The real engine, noting the prompts a prime job trains on. */
class RecordingEngine extends LocalEngine {
  primed: string[] = [];
  override prime(handle: string, job: PrimeJob, result: string, hooks?: TrainHooks) {
    this.primed.push(...job.examples.map((e) => e.prompt));
    return super.prime(handle, job, result, hooks);
  }
}

const cell = (kind: string, yaml: string) => `\`\`\`primer ${kind}\n${yaml.trim()}\n\`\`\`\n`;
const notebook = [
  cell('model', 'id: m\nsource: scratch\nlayers: 1\ndim: 16\nheads: 2\ncontext: 512'),
  cell('dataset', 'id: d\nsource: offline\ntask: countdown-short\ncondition: all_strategies\nsize: 2\nseed: 1'),
  cell('prime', 'id: p\nmodel: m\ndataset: d\ntask: countdown-short\nmethod: full\nepochs: 1\nbatch_size: 2'),
  cell('sample', 'id: s\nmodel: p\ntask: countdown-short\nproblems: 2\nmax_tokens: 4\nseed: 3'),
  cell('rl', 'id: r\nmodel: p\ntask: countdown-short\nsteps: 1\nprompts: 1\ngroup: 2\nmax_tokens: 4\neval_problems: 2'),
].join('\n');

const shortPrompt = (p: CountdownProblem) => `Numbers: ${p.numbers.join(' ')}. Target: ${p.target}.\n<think>`;

describe('a notebook naming countdown-short', () => {
  it('narrates its problems and gives the model its short prompt in priming, sampling and RL', async () => {
    const store = await Store.open({ name: 'short-task' });
    const engine = new RecordingEngine();
    const runner = new NotebookRunner({
      notebookId: 'nb',
      notebook: parseNotebook(notebook),
      trusted: false,
      handlers: createHandlers({ store, engine }),
      outputs: storeOutputs(store),
    });
    await runner.load();
    await runner.runAll();
    for (const id of ['m', 'd', 'p', 's', 'r'])
      expect(runner.state(id).error ?? runner.state(id).status, id).toBe('done');
    const traces = (id: string) => tracesBy(store, 'cell', ['nb', id]);

    const priming = await traces('d');
    expect(priming.map((t) => t.task)).toEqual(['countdown-short', 'countdown-short']);
    for (const t of priming) expect(t.problem.numbers).toHaveLength(3);
    expect(engine.primed.sort()).toEqual(priming.map((t) => shortPrompt(t.problem)).sort());

    for (const id of ['s', 'r']) {
      const rows = await traces(id);
      expect(rows.length, id).toBeGreaterThan(0);
      for (const t of rows) expect(t.prompt, id).toBe(shortPrompt(t.problem));
    }
  }, 300_000);
});
