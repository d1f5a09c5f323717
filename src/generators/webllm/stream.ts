// One completion streamed from WebLLM, as a Primer Generation.
//
// Stop strings are matched here, not by WebLLM: WebLLM cuts a matched stop string out of its reply and
// reports finish_reason "stop" as it does for an end-of-sequence token, and when the token that completes
// the stop string arrives, its delta is empty, so the streamed text would end with a fragment of the stop
// string and a stop could not be told from EOS. Primer's convention (tasks/types.ts) is a text that ends
// with the stop string. On a match, and on cancel, the stream is interrupted and then read to its end:
// WebLLM's worker keeps the model locked until the stream finishes, and an abandoned stream would block
// every later request.

import type { ChatCompletionChunk, Completion } from '@mlc-ai/web-llm';
import type { Generation } from '../../tasks/types.ts';
import type { WebLlmHandle } from './engine.ts';

export type PromptStyle = 'text' | 'chat';

export interface CompletionRun {
  prompt: string;
  /** 'text' continues the prompt as is (completions.create); 'chat' sends it as one user message. */
  style: PromptStyle;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: readonly string[];
  signal?: AbortSignal;
  onText?: (delta: string) => void;
}

/** Where the earliest stop string ends in `text`, looking only at matches that end after `from`; -1 if none. */
function stopEnd(text: string, stop: readonly string[], from: number): number {
  let end = -1;
  for (const s of stop) {
    if (s === '') continue;
    const at = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (at >= 0 && (end < 0 || at + s.length < end)) end = at + s.length;
  }
  return end;
}

/** Reads a stream, giving up when the worker dies. */
async function* untilCrash<T>(stream: AsyncIterable<T>, crashed: Promise<never>): AsyncGenerator<T> {
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([iterator.next(), crashed]);
    if (next.done) return;
    yield next.value;
  }
}

function chunkChoice(chunk: ChatCompletionChunk | Completion): { text: string; finish: string | null } | null {
  if (chunk.object === 'chat.completion.chunk') {
    const choice = chunk.choices[0];
    return choice ? { text: choice.delta.content ?? '', finish: choice.finish_reason } : null;
  }
  const choice = chunk.choices[0];
  return choice ? { text: choice.text, finish: choice.finish_reason } : null;
}

async function openStream(
  handle: WebLlmHandle,
  run: CompletionRun,
): Promise<AsyncIterable<ChatCompletionChunk | Completion>> {
  // Penalties are switched off: models' mlc-chat-config.json sets defaults (Qwen2.5: repetition 1.05) that
  // Primer's engine does not apply, and samples from the two backends should mean the same thing.
  const sampling = {
    stream: true as const,
    stream_options: { include_usage: true },
    max_tokens: run.maxTokens,
    temperature: run.temperature,
    top_p: run.topP,
    seed: run.seed,
    repetition_penalty: 1,
    frequency_penalty: 0,
    presence_penalty: 0,
  };
  return run.style === 'chat'
    ? handle.engine.chat.completions.create({ messages: [{ role: 'user', content: run.prompt }], ...sampling })
    : handle.engine.completions.create({ prompt: run.prompt, ...sampling });
}

/** WebLLM's finish_reason in Primer's terms, given whether Primer itself stopped or dropped text. */
function finishOf(reason: string | null, stoppedOnString: boolean, dropped: boolean): Generation['finish'] {
  if (stoppedOnString) return 'stop';
  if (dropped || reason === 'abort') return 'cancel';
  return reason === 'length' ? 'length' : 'eos';
}

export async function streamCompletion(handle: WebLlmHandle, run: CompletionRun): Promise<Generation> {
  const { engine, crashed } = handle;
  const interrupt = () => engine.interruptGenerate();
  run.signal?.addEventListener('abort', interrupt);
  let text = '';
  let stopped = false;
  let dropped = false;
  let reason: string | null = null;
  let usageTokens: number | null = null;
  let deltas = 0;
  try {
    const stream = await Promise.race([openStream(handle, run), crashed]);
    for await (const chunk of untilCrash(stream, crashed)) {
      if (chunk.usage) usageTokens = chunk.usage.completion_tokens;
      const choice = chunkChoice(chunk);
      if (!choice) continue;
      reason = choice.finish ?? reason;
      if (!choice.text || stopped) continue;
      if (run.signal?.aborted) {
        // Asked again on every chunk: an interrupt that reached the worker before this stream began was
        // dropped by WebLLM, which clears the flag when a stream starts.
        dropped = true;
        interrupt();
        continue;
      }
      deltas++;
      const end = stopEnd(text + choice.text, run.stop, text.length);
      const delta = end < 0 ? choice.text : (text + choice.text).slice(text.length, end);
      text += delta;
      if (delta) run.onText?.(delta);
      stopped = end >= 0;
      if (stopped) interrupt();
    }
  } finally {
    run.signal?.removeEventListener('abort', interrupt);
  }
  // usage is asked for and always comes last; counting deltas is the fallback (WebLLM holds back a delta
  // that ends inside a multi-byte character, so it can undercount).
  return { text, tokens: usageTokens ?? deltas, finish: finishOf(reason, stopped, dropped) };
}
