import type { CompletionCreateParamsStreaming } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { WebLlmGenerator } from '../../src/generators/webllm/generator.ts';
import type { PromptStyle } from '../../src/generators/webllm/stream.ts';
import type { GenerateRequest } from '../../src/tasks/types.ts';
import { END, prebuiltModel, TEMPLATE_STOP, WebLlmStandIn, type Reply } from '../support/webllmStandIn.ts';

const model = prebuiltModel('Qwen/Qwen2.5-0.5B-Instruct');

function setup(reply: Reply, promptStyle: PromptStyle = 'text') {
  const standIn = new WebLlmStandIn({ reply });
  standIn.publishTiny(model.record);
  const generator = new WebLlmGenerator({ model, createEngine: standIn.createEngine, caches: null, promptStyle });
  const engine = () => standIn.engines.at(-1)!;
  return { standIn, generator, engine };
}

/** Runs a request and collects what onText streamed, per row. */
async function run(generator: WebLlmGenerator, request: Omit<GenerateRequest, 'onText'>) {
  const streamed: string[] = request.prompts.map(() => '');
  const generations = await generator.generate({ ...request, onText: (row, delta) => (streamed[row] += delta) });
  return { generations, streamed };
}

const BASE = { maxTokens: 64, temperature: 1 };

describe('WebLlmGenerator.generate', () => {
  it('streams raw-text prompts through completions.create with usage, sampling options and one seed per row', async () => {
    const { standIn, generator, engine } = setup((prompt) => [`${prompt.length}`, ' is', ' long', END]);
    const { generations, streamed } = await run(generator, {
      ...BASE,
      prompts: ['abc', 'abcdef'],
      topP: 0.9,
      seed: 7,
      temperature: 0.6,
    });
    expect(generations).toEqual([
      { text: '3 is long', tokens: 4, finish: 'eos' },
      { text: '6 is long', tokens: 4, finish: 'eos' },
    ]);
    expect(streamed).toEqual(['3 is long', '6 is long']);
    const [first, second] = engine().requests as CompletionCreateParamsStreaming[];
    expect(first).toEqual({
      prompt: 'abc',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
      temperature: 0.6,
      top_p: 0.9,
      seed: 7,
      repetition_penalty: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
    });
    expect(second.seed).toBe(8);
    expect(standIn.openStreams).toBe(0);
  });

  it('sends chat-style prompts as one user message through chat.completions.create', async () => {
    const { generator, engine } = setup(
      (prompt) => (prompt.startsWith('<|im_start|>user\nHi') ? ['Hello', '!', TEMPLATE_STOP] : ['wrong template']),
      'chat',
    );
    const { generations } = await run(generator, { ...BASE, prompts: ['Hi'] });
    expect(generations).toEqual([{ text: 'Hello!', tokens: 3, finish: 'eos' }]);
    expect(engine().requests[0]).toMatchObject({ messages: [{ role: 'user', content: 'Hi' }], stream: true });
  });

  it("maps WebLLM's finish reasons: end of sequence, the template's stop string, max_tokens", async () => {
    const { generator } = setup((prompt) =>
      prompt === 'eos' ? ['a', END] : prompt === 'template' ? ['b', TEMPLATE_STOP, 'c'] : ['x', 'y', 'z', 'w'],
    );
    const { generations } = await run(generator, { ...BASE, maxTokens: 3, prompts: ['eos', 'template', 'long'] });
    expect(generations).toEqual([
      { text: 'a', tokens: 2, finish: 'eos' },
      { text: 'b', tokens: 2, finish: 'eos' },
      { text: 'xyz', tokens: 3, finish: 'length' },
    ]);
  });

  it('ends a row at the first stop string, keeping it, even when its last token also carries more text', async () => {
    const reply: Reply = (prompt) =>
      prompt === 'split'
        ? ['<answer>', ' 1+2', ' </ans', 'wer>\n\nmore', ' never']
        : ['<think>', 'hmm', '\n\n', 'later'];
    const { standIn, generator, engine } = setup(reply);
    const { generations, streamed } = await run(generator, {
      ...BASE,
      prompts: ['split', 'whole'],
      stop: ['</answer>', '\n\n'],
    });
    expect(generations[0]).toEqual({ text: '<answer> 1+2 </answer>', tokens: 4, finish: 'stop' });
    expect(generations[1]).toEqual({ text: '<think>hmm\n\n', tokens: 3, finish: 'stop' });
    expect(streamed).toEqual(generations.map((g) => g.text));
    expect(engine().interruptCalls).toBe(2);
    expect(standIn.openStreams).toBe(0);
    // The model lock was released: the next request is served.
    expect((await generator.generate({ ...BASE, prompts: ['split'], stop: ['</answer>'] }))[0].finish).toBe('stop');
  });

  it('passes seeds through: the same seed repeats a sample, row seeds differ', async () => {
    const { generator } = setup((_prompt, { seed }) => [`sample-${seed ?? 'none'}`, END]);
    const once = await generator.generate({ ...BASE, prompts: ['p', 'p'], seed: 41 });
    const again = await generator.generate({ ...BASE, prompts: ['p', 'p'], seed: 41 });
    expect(once.map((g) => g.text)).toEqual(['sample-41', 'sample-42']);
    expect(again).toEqual(once);
    expect((await generator.generate({ ...BASE, prompts: ['p'] }))[0].text).toBe('sample-none');
  });

  it('cancels mid-stream: interrupts WebLLM, drains the stream and marks the row and the rest cancelled', async () => {
    const { standIn, generator, engine } = setup(() => Array.from({ length: 500 }, (_, i) => `t${i} `));
    const controller = new AbortController();
    let deltas = 0;
    const generations = await generator.generate({
      ...BASE,
      maxTokens: 500,
      prompts: ['long', 'next'],
      signal: controller.signal,
      onText: () => {
        if (++deltas === 3) controller.abort();
      },
    });
    expect(generations[0].finish).toBe('cancel');
    expect(generations[0].text).toBe('t0 t1 t2 ');
    expect(generations[0].tokens).toBeLessThan(10);
    expect(generations[1]).toEqual({ text: '', tokens: 0, finish: 'cancel' });
    expect(engine().interruptCalls).toBeGreaterThan(0);
    expect(engine().requests).toHaveLength(1);
    expect(standIn.openStreams).toBe(0);
    const after = await generator.generate({ ...BASE, maxTokens: 2, prompts: ['again'] });
    expect(after[0]).toEqual({ text: 't0 t1 ', tokens: 2, finish: 'length' });
  });

  it('returns cancelled rows without loading when the signal is already aborted', async () => {
    const { standIn, generator } = setup(() => ['x']);
    const generations = await generator.generate({ ...BASE, prompts: ['a', 'b'], signal: AbortSignal.abort() });
    expect(generations.map((g) => g.finish)).toEqual(['cancel', 'cancel']);
    expect(standIn.engines).toHaveLength(0);
  });

  it('stops a load that is cancelled by ending the worker', async () => {
    const { standIn, generator } = setup(() => ['x']);
    const controller = new AbortController();
    const pending = generator.generate({ ...BASE, prompts: ['a'], signal: controller.signal });
    controller.abort();
    expect((await pending)[0].finish).toBe('cancel');
    expect(standIn.engines[0].terminated).toBe(true);
  });

  it('refuses top-k sampling, which WebLLM does not have', async () => {
    const { generator } = setup(() => ['x']);
    await expect(generator.generate({ ...BASE, prompts: ['a'], topK: 40 })).rejects.toThrow(
      'WebLLM has no top-k sampling',
    );
  });
});
