// The LLM judge on Claude: one cached-system-prompt request per trace, a bounded number in flight,
// retries inside claudeText. A trace that still fails after its retries gets an annotation with
// `error`; a wrong key, a refused request or a cancel stops the whole batch.
import { DEFAULT_RETRY, claudeText, createClaudeClient, isFatal, runPool, type RetryPolicy } from './claudeClient.ts';
import {
  addUsage,
  failedAnnotation,
  judgeTrace,
  zeroUsage,
  type AskJudge,
  type JudgeAnnotation,
  type JudgeProgress,
  type TokenUsage,
} from './judge.ts';
import { JUDGE_SYSTEM_PROMPT } from './judgePrompt.ts';
import type { Annotator, Trace } from './types.ts';

export interface ClaudeJudgeOptions {
  apiKey: string;
  model: string;
  /** Another endpoint speaking the Messages API (tests use a local one). */
  baseURL?: string;
  /** Requests in flight at once. */
  concurrency?: number;
  retry?: RetryPolicy;
  /** Room for the quotes of a long trace. */
  maxTokens?: number;
  onProgress?: (progress: JudgeProgress) => void;
}

export const CLAUDE_JUDGE_DEFAULTS = { concurrency: 4, maxTokens: 2048 };

export class ClaudeJudge implements Annotator {
  readonly name: string;
  /** Tokens used by every annotate() call so far, for the cost display. */
  usage: TokenUsage = zeroUsage();
  private readonly options: ClaudeJudgeOptions;

  constructor(options: ClaudeJudgeOptions) {
    this.options = options;
    this.name = `claude:${options.model}`;
  }

  async annotate(traces: Trace[], signal?: AbortSignal): Promise<JudgeAnnotation[]> {
    const { apiKey, baseURL, model, onProgress } = this.options;
    const client = createClaudeClient(apiKey, baseURL);
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const maxTokens = this.options.maxTokens ?? CLAUDE_JUDGE_DEFAULTS.maxTokens;
    const results: JudgeAnnotation[] = new Array(traces.length);
    let started = 0;
    let done = 0;
    let failed = 0;
    const judgeOne = async (index: number, jobSignal: AbortSignal) => {
      const ask: AskJudge = (turns) =>
        claudeText(client, { model, system: JUDGE_SYSTEM_PROMPT, turns, maxTokens }, retry, jobSignal);
      try {
        results[index] = await judgeTrace(traces[index], ask, this.name);
      } catch (err) {
        if (isFatal(err)) throw err;
        results[index] = { ...failedAnnotation(this.name, (err as Error).message), calls: 1, usage: zeroUsage() };
      }
      this.usage = addUsage(this.usage, results[index].usage);
      done++;
      if (results[index].error) failed++;
      onProgress?.({ done, total: traces.length, failed, usage: this.usage });
    };
    const concurrency = this.options.concurrency ?? CLAUDE_JUDGE_DEFAULTS.concurrency;
    await runPool(
      concurrency,
      () => {
        const index = started++;
        return index < traces.length ? (jobSignal) => judgeOne(index, jobSignal) : undefined;
      },
      signal,
    );
    return results;
  }
}
