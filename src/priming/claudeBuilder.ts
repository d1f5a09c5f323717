// Builds a priming dataset with Claude, as the paper did: a condition's system prompt, the
// Countdown query as the user message, temperature 0.5, 1024 tokens. Every reply is scored with
// the Countdown reward and annotated by the rule annotator, and handed to the caller the moment it
// exists, so a closed tab loses at most the requests in flight; a restarted build skips the
// problems it was told are done.
import {
  DEFAULT_RETRY,
  claudeText,
  createClaudeClient,
  isFatal,
  runPool,
  type RetryPolicy,
} from '../behaviors/claudeClient.ts';
import { addUsage, zeroUsage, type TokenUsage } from '../behaviors/judge.ts';
import { countdownQuery } from '../tasks/prompts.ts';
import type { CountdownProblem } from '../tasks/types.ts';
import { claudeCostUsd } from './claudeEstimate.ts';
import { CLAUDE_BUILD_DEFAULTS, claudeSystemPrompt, claudeTraceStyle } from './claudePrompts.ts';
import { primingTrace } from './build.ts';
import { primingCondition, type PrimingConditionName } from './conditions.ts';
import type { PrimingDataset, PrimingTrace } from './types.ts';

/** What happened to one problem's request. */
export type BuildOutcome =
  | { kind: 'kept'; key: string; trace: PrimingTrace }
  /** A reply the condition does not keep (a right answer, for incorrect_only). */
  | { kind: 'discarded'; key: string; trace: PrimingTrace; reason: string }
  /** The request failed after its retries; the problem may be tried again in a later run. */
  | { kind: 'failed'; key: string; error: string };

export interface ClaudeBuildProgress {
  kept: number;
  target: number;
  requested: number;
  discarded: number;
  failed: number;
  usage: TokenUsage;
  /** Null when the model has no known price. */
  costUsd: number | null;
}

export interface ClaudeBuildOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  condition: PrimingConditionName;
  /** Candidate problems, used in order until `count` traces are kept. */
  problems: CountdownProblem[];
  /** Traces to keep in all, those in `previous` included. */
  count: number;
  /** Traces kept by an earlier run of this build: they count toward `count` and are not asked again. */
  previous?: readonly PrimingTrace[];
  /** Problem keys (problemKey) an earlier run already asked about, whatever came of it. */
  skip?: ReadonlySet<string>;
  /** Called once per finished request, before the build moves on; await-ed, so it can persist. */
  onOutcome?: (outcome: BuildOutcome) => void | Promise<void>;
  onProgress?: (progress: ClaudeBuildProgress) => void;
  concurrency?: number;
  /** Null sends no temperature (see ClaudeRequest.temperature). */
  temperature?: number | null;
  maxTokens?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

export function problemKey(problem: CountdownProblem): string {
  return `${problem.numbers.join(',')}->${problem.target}`;
}

/**
 * Completions continue the base prompt, which already ends in <think>, so Claude's own is dropped;
 * trailing whitespace is too, since the reward reads only the last line.
 */
function completionOf(reply: string): string {
  return reply.replace(/^\s*<think>/, '').trimEnd();
}

export function scoredTrace(problem: CountdownProblem, reply: string): PrimingTrace {
  return primingTrace(problem, completionOf(reply));
}

export async function buildClaudePriming(options: ClaudeBuildOptions): Promise<PrimingDataset> {
  const condition = primingCondition(options.condition);
  const system = claudeSystemPrompt(claudeTraceStyle(condition));
  const client = createClaudeClient(options.apiKey, options.baseURL);
  const temperature = options.temperature === undefined ? CLAUDE_BUILD_DEFAULTS.temperature : options.temperature;
  const maxTokens = options.maxTokens ?? CLAUDE_BUILD_DEFAULTS.maxTokens;
  const retry = options.retry ?? DEFAULT_RETRY;
  const previous = options.previous ?? [];
  const asked = new Set([...(options.skip ?? []), ...previous.map((t) => problemKey(t.problem))]);
  const kept: PrimingTrace[] = [];
  const progress: ClaudeBuildProgress = {
    kept: previous.length,
    target: options.count,
    requested: 0,
    discarded: 0,
    failed: 0,
    usage: zeroUsage(),
    costUsd: 0,
  };
  let inFlight = 0;
  let nextProblem = 0;

  const settle = async (outcome: BuildOutcome) => {
    if (outcome.kind === 'kept') kept.push(outcome.trace);
    progress.kept += outcome.kind === 'kept' ? 1 : 0;
    progress.discarded += outcome.kind === 'discarded' ? 1 : 0;
    progress.failed += outcome.kind === 'failed' ? 1 : 0;
    await options.onOutcome?.(outcome);
    options.onProgress?.({ ...progress });
  };

  const ask = async (problem: CountdownProblem, signal: AbortSignal) => {
    const key = problemKey(problem);
    try {
      const turns = [{ role: 'user' as const, text: countdownQuery(problem) }];
      const request = { model: options.model, system, turns, maxTokens, temperature: temperature ?? undefined };
      const reply = await claudeText(client, request, retry, signal);
      progress.usage = addUsage(progress.usage, reply.usage);
      progress.costUsd = claudeCostUsd(options.model, progress.usage);
      const trace = scoredTrace(problem, reply.text);
      const wrongAnswerWanted = condition.answers === 'incorrect';
      if (wrongAnswerWanted && trace.reward >= 1)
        await settle({ kind: 'discarded', key, trace, reason: 'right answer' });
      else await settle({ kind: 'kept', key, trace });
    } catch (err) {
      if (isFatal(err)) throw err;
      await settle({ kind: 'failed', key, error: (err as Error).message });
    } finally {
      inFlight--;
    }
  };

  /** The next problem not yet asked about, while kept plus in-flight traces fall short of the count. */
  const next = () => {
    if (progress.kept + inFlight >= options.count) return undefined;
    while (nextProblem < options.problems.length && asked.has(problemKey(options.problems[nextProblem]))) nextProblem++;
    const problem = options.problems[nextProblem++];
    if (!problem) return undefined;
    asked.add(problemKey(problem));
    inFlight++;
    progress.requested++;
    return (signal: AbortSignal) => ask(problem, signal);
  };

  await runPool(options.concurrency ?? CLAUDE_BUILD_DEFAULTS.concurrency, next, options.signal);
  const traces = [...previous, ...kept];
  return {
    condition: condition.name,
    source: 'claude',
    createdAt: new Date().toISOString(),
    problems: traces.map((t) => t.problem),
    traces,
    notes: {
      model: options.model,
      temperature: temperature ?? 'none (API default)',
      maxTokens,
      requested: progress.requested,
      discarded: progress.discarded,
      failed: progress.failed,
      inputTokens:
        progress.usage.inputTokens + progress.usage.cacheCreationInputTokens + progress.usage.cacheReadInputTokens,
      outputTokens: progress.usage.outputTokens,
      ...(traces.length < options.count ? { shortBy: options.count - traces.length } : {}),
    },
  };
}
