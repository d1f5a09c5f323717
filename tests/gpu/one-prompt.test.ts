// One problem, one prompt: under each template the notebook's sample cells (Primer's engine and WebLLM),
// a prime cell, an rl cell's rollouts and its held-out evaluation all give a model the very bytes that
// `primer prompt` prints for the same problem. A tiny Qwen2 with a byte-level tokenizer and Qwen's chat
// template is served by a local stand-in for the Hub; WebLLM is the stand-in engine of the unit tests.
import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { LocalEngine } from '../../src/app/localEngine.ts';
import type { PrimeJob, TrainHooks } from '../../src/app/engineService.ts';
import { TextTokenizer } from '../../src/engine/tokenizer.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import { tracesBy } from '../../src/store/traces.ts';
import type { CountdownProblem } from '../../src/tasks/types.ts';
import { BYTE_LEVEL_VOCAB, byteLevelTokenizerFiles } from '../support/byteLevelTokenizer.ts';
import { writeTinyModel } from '../support/tinyModel.ts';
import { END, prebuiltModel, WebLlmStandIn } from '../support/webllmStandIn.ts';

const REPO = 'Qwen/Qwen2.5-0.5B-Instruct';
const dir = mkdtempSync(join(tmpdir(), 'primer-one-prompt-'));
let server: Server;
let hub = '';

beforeAll(async () => {
  await writeTinyModel(dir, {
    arch: 'qwen2',
    layout: 'hf',
    seed: 5,
    vocabSize: BYTE_LEVEL_VOCAB,
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 1,
    tied: true,
  });
  for (const [file, text] of Object.entries(byteLevelTokenizerFiles())) writeFileSync(join(dir, file), text);
  // A narrated priming trace is about a thousand bytes: room for it.
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 2048 }));
  const files = new Set(readdirSync(dir));
  server = createServer((req, res) => {
    const file = new RegExp(`^/${REPO}/resolve/main/(.+)$`).exec(req.url ?? '')?.[1];
    if (!file || !files.has(file)) return void res.writeHead(404).end('not found');
    const bytes = readFileSync(join(dir, file));
    res.writeHead(200, { 'content-length': bytes.byteLength });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  hub = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/${REPO}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What `primer prompt` prints for a problem: the yardstick every path is held to. */
function cliPrompt(problem: CountdownProblem, template: string): string {
  return execFileSync(
    process.execPath,
    [
      'bin/primer.js',
      'prompt',
      '--model',
      dir,
      '--template',
      template,
      '--numbers',
      problem.numbers.join(','),
      '--target',
      String(problem.target),
    ],
    { encoding: 'utf8' },
  );
}

/** The real engine, noting the prompts a prime job trains on. */
class RecordingEngine extends LocalEngine {
  primed: string[] = [];
  override prime(handle: string, job: PrimeJob, result: string, hooks?: TrainHooks) {
    this.primed.push(...job.examples.map((e) => e.prompt));
    return super.prime(handle, job, result, hooks);
  }
}

const notebook = (template: string) => `
\`\`\`primer model
id: m
source: hub
name: ${hub}
backend: primer
quantization: f32
\`\`\`

\`\`\`primer model
id: w
source: hub
name: ${hub}
backend: webllm
\`\`\`

\`\`\`primer dataset
id: d
source: offline
condition: all_strategies
size: 1
seed: 1
\`\`\`

\`\`\`primer prime
id: p
model: m
dataset: d
template: ${template}
epochs: 1
batch_size: 1
max_length: 2048
checkpoint_every: 1
\`\`\`

\`\`\`primer rl
id: r
model: m
template: ${template}
steps: 1
prompts: 1
group: 2
max_tokens: 2
checkpoint_every: 1
eval_every: 1
eval_problems: 1
seed: 3
\`\`\`

\`\`\`primer sample
id: train
model: m
split: train
template: ${template}
problems: 1
max_tokens: 2
seed: 3
\`\`\`

\`\`\`primer sample
id: test
model: w
split: test
template: ${template}
problems: 1
max_tokens: 2
seed: 3
\`\`\`
`;

describe('one prompt everywhere', () => {
  it.each(['base', 'chat'])(
    'template %s: sample, WebLLM, prime, RL rollouts and evaluation match the CLI',
    async (template) => {
      const store = await Store.open({ name: `one-prompt-${template}` });
      const engine = new RecordingEngine();
      const webllm: string[] = [];
      const standIn = new WebLlmStandIn({
        gpu: { shaderF16: false },
        reply: (prompt) => (webllm.push(prompt), ['1', END]),
      });
      standIn.publishTiny(prebuiltModel(REPO, false, 'q4f32_1').record);
      const encoded = vi.spyOn(TextTokenizer.prototype, 'encodePrompt');
      const runner = new NotebookRunner({
        notebookId: 'nb',
        notebook: parseNotebook(notebook(template)),
        trusted: true,
        handlers: createHandlers({
          store,
          engine,
          gpu: { shaderF16: false },
          webllm: {
            modelList: prebuiltAppConfig.model_list,
            createEngine: standIn.createEngine,
            caches: null,
          },
        }),
        outputs: storeOutputs(store),
      });
      await runner.load();
      await runner.runAll();
      for (const id of ['m', 'w', 'd', 'p', 'r', 'train', 'test'])
        expect(runner.state(id).error ?? runner.state(id).status, id).toBe('done');
      const traces = async (cell: string) => tracesBy(store, 'cell', ['nb', cell]);

      // Sample (engine) and RL both draw training problems from seed 3: the same first problem.
      const [sampled] = await traces('train');
      const rollouts = (await traces('r')).filter((t) => t.problem.target === sampled.problem.target);
      expect(rollouts.length).toBe(2);
      const trainPrompt = cliPrompt(sampled.problem, template);
      expect(sampled.prompt).toBe(trainPrompt);
      for (const r of rollouts) expect(r.prompt).toBe(trainPrompt);

      // WebLLM samples a held-out problem, the one RL evaluates on: the engine encoded it for evaluation.
      const [heldOut] = await traces('test');
      const testPrompt = cliPrompt(heldOut.problem, template);
      expect(webllm).toEqual([testPrompt]);
      expect(heldOut.prompt).toBe(testPrompt);
      expect(encoded.mock.calls.map(([text]) => text)).toContain(testPrompt);

      // The prime cell trains on the dataset's problem under its own template.
      const [primingTrace] = await traces('d');
      expect(engine.primed).toEqual([cliPrompt(primingTrace.problem, template)]);

      // Every prompt the engine encoded is one of these.
      const known = new Set([trainPrompt, testPrompt, ...engine.primed]);
      expect(encoded.mock.calls.every(([text]) => known.has(text))).toBe(true);
      if (template === 'chat')
        expect(trainPrompt.startsWith('<|im_start|>system\nYou are a helpful assistant.')).toBe(true);
      else expect(trainPrompt.startsWith('A conversation between User and Assistant.')).toBe(true);
      encoded.mockRestore();
    },
    600_000,
  );
});
