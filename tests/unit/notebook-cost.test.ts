import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notebookCost } from '../../src/app/notebookCost.ts';
import { forwardFlopsPerToken, PROBE_MODEL, type GpuBenchmark } from '../../src/engine/gpuBenchmark.ts';
import { scratchConfig } from '../../src/engine/model/scratch.ts';
import { parseNotebook } from '../../src/notebook/format.ts';

const probeFlops = forwardFlopsPerToken(scratchConfig(PROBE_MODEL));
const bench: GpuBenchmark = {
  kernels: 'emulator',
  fma_gflops: 7,
  membw_gbs: 10,
  decode_tok_s: 100,
  decode_batch: 8,
  train_tok_s: 1000,
  train_tokens_per_step: 128,
  probe_flops_per_token: probeFlops,
  seconds: 3,
};

const notebook = (cells: string) => `---\ntitle: t\n---\n\n${cells}`;
const cell = (kind: string, yaml: string) => `\`\`\`primer ${kind}\n${yaml}\n\`\`\`\n\n`;
const tiny = cell('model', 'id: m\nsource: scratch\nlayers: 4\ndim: 128\nheads: 4\ncontext: 256\nseed: 1');

describe('notebookCost: minutes from the benchmark figures', () => {
  it('a sample cell of the probe model costs problems × max_tokens / decode tok/s', () => {
    const cost = notebookCost(notebook(tiny + cell('sample', 'id: s\nmodel: m\nproblems: 30\nmax_tokens: 200')), bench);
    expect(cost.decodeTokens).toBe(6000);
    expect(cost.trainTokens).toBe(0);
    expect(cost.minutes).toBeCloseTo(6000 / 100 / 60, 9);
  });

  it('scales by the model’s forward work per token, and counts rl rollouts, updates and evaluations', () => {
    const wide = cell('model', 'id: m\nsource: scratch\nlayers: 8\ndim: 128\nheads: 4\ncontext: 256\nseed: 1');
    const rl = cell(
      'rl',
      'id: r\nmodel: m\nsteps: 10\nprompts: 2\ngroup: 4\nmax_tokens: 50\neval_every: 5\neval_problems: 3',
    );
    const cost = notebookCost(notebook(wide + rl), bench);
    const rollouts = 10 * 2 * 4;
    expect(cost.decodeTokens).toBe((rollouts + 3 * 3) * 50);
    expect(cost.trainTokens).toBeGreaterThan(rollouts * 50); // each rollout's prompt is trained on too
    const scale = forwardFlopsPerToken(scratchConfig({ ...PROBE_MODEL, layers: 8 })) / probeFlops;
    expect(scale).toBeGreaterThan(1.5);
    expect(cost.minutes).toBeCloseTo((scale * (cost.decodeTokens / 100 + cost.trainTokens / 1000)) / 60, 9);
  });

  it("measures a prime cell's traces in its dataset's task (countdown-short writes shorter ones)", () => {
    const prime = (task: string) =>
      notebook(
        tiny +
          cell('dataset', `id: d\nsource: offline\ncondition: all_strategies\nsize: 10\ntask: ${task}`) +
          cell('prime', 'id: p\nmodel: m\ndataset: d\nmethod: full\nepochs: 2'),
      );
    const [long, short] = [notebookCost(prime('countdown'), bench), notebookCost(prime('countdown-short'), bench)];
    expect(short.trainTokens).toBeGreaterThan(0);
    expect(short.trainTokens).toBeLessThan(long.trainTokens);
    expect(long.minutes).toBeCloseTo(long.trainTokens / 1000 / 60, 9);
  });

  it("counts a scratch model's tokens in the word pieces of the dataset its tokenizer is fitted to", () => {
    const data = cell('dataset', 'id: d\nsource: offline\ncondition: all_strategies\nsize: 10\ntask: countdown-short');
    const prime = cell('prime', 'id: p\nmodel: m\ndataset: d\nmethod: full\nepochs: 2');
    const fitted = cell('model', 'id: m\nsource: scratch\nlayers: 4\ndim: 128\nheads: 4\nvocabulary: d\nseed: 1');
    const [bytes, pieces] = [
      notebookCost(notebook(data + tiny + prime), bench),
      notebookCost(notebook(data + fitted + prime), bench),
    ];
    expect(pieces.trainTokens).toBeGreaterThan(bytes.trainTokens / 5);
    expect(pieces.trainTokens).toBeLessThan(bytes.trainTokens / 2);
    // A larger vocabulary costs more per token (the output layer), so minutes fall less than tokens do.
    expect(pieces.minutes / bytes.minutes).toBeGreaterThan(pieces.trainTokens / bytes.trainTokens);
  });

  it('gives notebook 00 a finite positive estimate, and says why a folder model has none', () => {
    const nb00 = readFileSync('notebooks/00-start-here-offline.md', 'utf8');
    const cost = notebookCost(nb00, bench);
    expect(cost.minutes).toBeGreaterThan(0);
    const { traces, epochs } = parseNotebook(nb00).meta.params as { traces: number; epochs: number };
    expect(cost.trainTokens).toBeGreaterThan(traces * epochs * 50); // a narrated trace is over 100 word pieces
    const folder = cell('model', 'id: m\nsource: folder');
    expect(() => notebookCost(notebook(folder), bench)).toThrow(/folder model's size is not known/);
  });
});
