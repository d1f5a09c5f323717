// What a Claude priming build will cost before it starts, and what it has cost so far.
import type { TokenUsage } from '../behaviors/judge.ts';
import { countdownQuery } from '../tasks/prompts.ts';
import { CLAUDE_BUILD_DEFAULTS, claudeSystemPrompt, claudeTraceStyle } from './claudePrompts.ts';
import { primingCondition, type PrimingConditionName } from './conditions.ts';

export type ModelFamily = 'haiku' | 'sonnet' | 'opus';

interface FamilyPrice {
  /** USD per million input tokens; cache writes cost 1.25x this, cache reads 0.1x. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** Shortest prompt prefix the API caches for this family. */
  minCacheTokens: number;
}

/**
 * Anthropic list prices for the Claude 4.5 generation (Haiku 4.5, Sonnet 4.5, Opus 4.5), as noted
 * in November 2025. Other generations and later price changes differ: the UI shows this date.
 */
export const CLAUDE_PRICES_AS_OF = '2025-11';
export const CLAUDE_PRICES: Record<ModelFamily, FamilyPrice> = {
  haiku: { input: 1, output: 5, minCacheTokens: 4096 },
  sonnet: { input: 3, output: 15, minCacheTokens: 1024 },
  opus: { input: 5, output: 25, minCacheTokens: 4096 },
};

const CACHE_WRITE = 1.25;
const CACHE_READ = 0.1;

/**
 * Share of Claude's all_strategies traces with a right answer: the paper's claude_accs.csv gives
 * 0.4298 with the 0.1 format score, which is about 0.37 accuracy when nearly every trace answers.
 */
export const CLAUDE_EXPECTED_ACCURACY = 0.37;
/** The paper asked for 5% more traces than it kept, to cover failed requests. */
export const REQUEST_MARGIN = 1.05;
/** Rough tokens per character of English and arithmetic, for counting before any request. */
const TOKENS_PER_CHAR = 1 / 3.5;
/** Shortest plausible reply: the direct solution, or a short search. */
const SHORT_REPLY_TOKENS = { direct: 60, search: 250 };

export function modelFamily(model: string): ModelFamily | null {
  const match = /haiku|sonnet|opus/i.exec(model);
  return match ? (match[0].toLowerCase() as ModelFamily) : null;
}

export interface ClaudeBuildEstimate {
  requests: number;
  /** Input tokens over all requests (system prompt and Countdown query). */
  inputTokens: number;
  outputTokens: { low: number; high: number };
  /** Null when the model's family has no price in the table. */
  usd: { low: number; high: number } | null;
  pricesAsOf: string;
}

export function estimateClaudeBuild({
  condition,
  count,
  model,
}: {
  condition: PrimingConditionName;
  count: number;
  model: string;
}): ClaudeBuildEstimate {
  const style = claudeTraceStyle(primingCondition(condition));
  const keepRate = primingCondition(condition).answers === 'incorrect' ? 1 - CLAUDE_EXPECTED_ACCURACY : 1;
  const requests = Math.ceil((count * REQUEST_MARGIN) / keepRate);
  const systemTokens = Math.ceil(claudeSystemPrompt(style).length * TOKENS_PER_CHAR);
  const queryTokens = Math.ceil(countdownQuery({ numbers: [44, 19, 35, 7], target: 83 }).length * TOKENS_PER_CHAR);
  const outputTokens = {
    low: requests * (style.direct ? SHORT_REPLY_TOKENS.direct : SHORT_REPLY_TOKENS.search),
    high: requests * CLAUDE_BUILD_DEFAULTS.maxTokens,
  };
  const family = modelFamily(model);
  const price = family && CLAUDE_PRICES[family];
  const inputUsd = (systemFactor: number) =>
    (requests * (systemTokens * systemFactor + queryTokens) * (price?.input ?? 0)) / 1e6;
  const cached = price !== null && systemTokens >= price.minCacheTokens;
  return {
    requests,
    inputTokens: requests * (systemTokens + queryTokens),
    outputTokens,
    usd: price && {
      low: inputUsd(cached ? CACHE_READ : 1) + (outputTokens.low * price.output) / 1e6,
      high: inputUsd(cached ? CACHE_WRITE : 1) + (outputTokens.high * price.output) / 1e6,
    },
    pricesAsOf: CLAUDE_PRICES_AS_OF,
  };
}

/** Dollars spent for the usage reported so far, or null for a model without a known price. */
export function claudeCostUsd(model: string, usage: TokenUsage): number | null {
  const family = modelFamily(model);
  if (!family) return null;
  const p = CLAUDE_PRICES[family];
  const input =
    usage.inputTokens + usage.cacheCreationInputTokens * CACHE_WRITE + usage.cacheReadInputTokens * CACHE_READ;
  return (input * p.input + usage.outputTokens * p.output) / 1e6;
}
