// The LLM judge on any local model that can generate (the engine, WebLLM): the same prompt as the
// Claude judge, flattened to plain text, decoded greedily, read by the same parser. Traces go to
// the generator in batches; the retries for unreadable replies of one batch go together too.
import {
  abortError,
  judgeTrace,
  type AskJudge,
  type JudgeAnnotation,
  type JudgeProgress,
  type JudgeReply,
  type JudgeTurn,
} from './judge.ts';
import { JUDGE_SYSTEM_PROMPT } from './judgePrompt.ts';
import type { Annotator, Trace } from './types.ts';
import type { TextGenerator } from '../tasks/types.ts';

/** Turns the system prompt and the conversation into the text the model continues. */
export type JudgePromptFormat = (system: string, turns: JudgeTurn[]) => string;

/** The model's turn starts with the opening tag already written, which keeps small models on format. */
const REPLY_PREFILL = '<annotation>\n';

export const plainJudgePrompt: JudgePromptFormat = (system, turns) =>
  [
    system,
    ...turns.map((t) => `${t.role === 'user' ? 'User' : 'Assistant'}: ${t.text}`),
    `Assistant: ${REPLY_PREFILL}`,
  ].join('\n\n');

export interface LocalJudgeOptions {
  generator: TextGenerator;
  /** Traces per generate() call. */
  batchSize?: number;
  maxTokens?: number;
  /** Defaults to plain "User:/Assistant:" text; pass a chat template for instruct models. */
  format?: JudgePromptFormat;
  onProgress?: (progress: Omit<JudgeProgress, 'usage'>) => void;
}

export const LOCAL_JUDGE_DEFAULTS = { batchSize: 8, maxTokens: 1024 };

export class LocalJudge implements Annotator {
  readonly name: string;
  private readonly options: LocalJudgeOptions;

  constructor(options: LocalJudgeOptions) {
    this.options = options;
    this.name = `local:${options.generator.name}`;
  }

  async annotate(traces: Trace[], signal?: AbortSignal): Promise<JudgeAnnotation[]> {
    const batchSize = this.options.batchSize ?? LOCAL_JUDGE_DEFAULTS.batchSize;
    const results: JudgeAnnotation[] = [];
    for (let i = 0; i < traces.length; i += batchSize) {
      if (signal?.aborted) throw abortError();
      const ask = this.batchedAsk(signal);
      results.push(...(await Promise.all(traces.slice(i, i + batchSize).map((t) => judgeTrace(t, ask, this.name)))));
      const failed = results.filter((r) => r.error).length;
      this.options.onProgress?.({ done: results.length, total: traces.length, failed });
    }
    return results;
  }

  /**
   * An AskJudge that gathers every call made in the same turn of the event loop into one
   * generate() call: the first replies of a batch together, then their retries together.
   */
  private batchedAsk(signal?: AbortSignal): AskJudge {
    const { generator, maxTokens = LOCAL_JUDGE_DEFAULTS.maxTokens, format = plainJudgePrompt } = this.options;
    let pending: { prompt: string; resolve: (r: JudgeReply) => void; reject: (e: unknown) => void }[] = [];
    const flush = async () => {
      const calls = pending;
      pending = [];
      try {
        const prompts = calls.map((c) => c.prompt);
        const generations = await generator.generate({
          prompts,
          maxTokens,
          temperature: 0,
          stop: ['</annotation>'],
          signal,
        });
        generations.forEach((g, i) => {
          if (g.finish === 'cancel') return calls[i].reject(abortError());
          const usage = {
            inputTokens: 0,
            outputTokens: g.tokens,
            cacheCreationInputTokens: 0,
            cacheReadInputTokens: 0,
          };
          calls[i].resolve({ text: REPLY_PREFILL + g.text, usage });
        });
      } catch (err) {
        calls.forEach((c) => c.reject(err));
      }
    };
    return (turns) =>
      new Promise((resolve, reject) => {
        if (pending.length === 0) setTimeout(flush, 0);
        pending.push({ prompt: format(JUDGE_SYSTEM_PROMPT, turns), resolve, reject });
      });
  }
}
