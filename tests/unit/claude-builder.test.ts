import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { annotateSpans } from '../../src/behaviors/rules.ts';
import {
  buildClaudePriming,
  problemKey,
  type BuildOutcome,
  type ClaudeBuildProgress,
} from '../../src/priming/claudeBuilder.ts';
import { CLAUDE_PRICES, estimateClaudeBuild } from '../../src/priming/claudeEstimate.ts';
import { claudeSystemPrompt, claudeTraceStyle } from '../../src/priming/claudePrompts.ts';
import { CONDITIONS } from '../../src/priming/conditions.ts';
import type { PrimingTrace } from '../../src/priming/types.ts';
import { COUNTDOWN_PRIMING_PRESET, generateCountdownProblems } from '../../src/tasks/countdown.ts';
import { countdownQuery } from '../../src/tasks/prompts.ts';
import { countdownTask } from '../../src/tasks/countdownTask.ts';
import { renderPrompt } from '../../src/tasks/task.ts';
import { countdownReward } from '../../src/tasks/reward.ts';
import type { CountdownProblem } from '../../src/tasks/types.ts';
import {
  badKey,
  lastUserText,
  rateLimited,
  startAnthropicServer,
  text,
  type AnthropicTestServer,
} from '../support/anthropic-server.ts';

const KEY = 'sk-ant-test-builder';
const MODEL = 'claude-haiku-test';
const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };

const problems: CountdownProblem[] = [
  ...new Map(
    generateCountdownProblems({ count: 40, seed: 7, preset: COUNTDOWN_PRIMING_PRESET }).map((p) => [problemKey(p), p]),
  ).values(),
];
const byQuery = new Map(problems.map((p) => [countdownQuery(p), p]));

/** Claude's stand-in: a short search that ends right for even targets and wrong for odd ones. */
function claudeReply(problem: CountdownProblem): string {
  const [a, b] = problem.numbers;
  const answer = problem.target % 2 === 0 ? problem.solution : `${a} + ${b}`;
  return [
    '<think>',
    `Let me try ${a} + ${b} = ${a + b}. ${a + b} is not ${problem.target}, so let me try something else.`,
    `I think ${answer} works.`,
    '</think>',
    `<answer> ${answer} </answer>`,
  ].join('\n');
}

let server: AnthropicTestServer;
beforeEach(async () => {
  server = await startAnthropicServer();
  server.respondWith((body) => {
    const problem = byQuery.get(lastUserText(body));
    if (!problem) throw new Error('test server: unknown query');
    return text(claudeReply(problem));
  });
});
afterEach(() => server.close());

const build = (extra: Partial<Parameters<typeof buildClaudePriming>[0]> = {}) =>
  buildClaudePriming({
    apiKey: KEY,
    baseURL: server.url,
    model: MODEL,
    condition: 'all_strategies',
    problems,
    count: 6,
    retry: FAST,
    ...extra,
  });

describe('estimateClaudeBuild', () => {
  it("counts requests with the paper's 5% margin, more for incorrect_only, and prices them", () => {
    const e = estimateClaudeBuild({ condition: 'all_strategies', count: 100, model: 'claude-haiku-4-5' });
    expect(e.requests).toBe(105);
    expect(e.outputTokens.high).toBe(105 * 1024);
    expect(e.pricesAsOf).toMatch(/^\d{4}-\d{2}$/);
    // The system prompt is shorter than Haiku's cache minimum, so both bounds pay full input price.
    const inputUsd = (e.inputTokens * CLAUDE_PRICES.haiku.input) / 1e6;
    expect(e.usd!.high).toBeCloseTo(inputUsd + (105 * 1024 * CLAUDE_PRICES.haiku.output) / 1e6, 9);
    expect(e.usd!.low).toBeCloseTo(inputUsd + (e.outputTokens.low * CLAUDE_PRICES.haiku.output) / 1e6, 9);
    expect(e.usd!.low).toBeLessThan(e.usd!.high);

    const wrong = estimateClaudeBuild({ condition: 'incorrect_only', count: 100, model: 'claude-sonnet-4-5' });
    expect(wrong.requests).toBe(Math.ceil(105 / 0.63));
    expect(wrong.usd!.high).toBeGreaterThan(e.usd!.high);
    expect(
      estimateClaudeBuild({ condition: 'negative_control', count: 100, model: 'claude-haiku-4-5' }).outputTokens.low,
    ).toBeLessThan(e.outputTokens.low);
    expect(estimateClaudeBuild({ condition: 'all_strategies', count: 10, model: 'mystery-model' }).usd).toBeNull();
  });

  it('refuses the derived controls, which are not generated', () => {
    expect(() => estimateClaudeBuild({ condition: 'empty_cot', count: 10, model: MODEL })).toThrow(
      /derived from an all_strategies dataset/,
    );
  });
});

describe('claudeSystemPrompt', () => {
  it("asks for the condition's behaviors and forbids the others", () => {
    const only = claudeSystemPrompt(claudeTraceStyle(CONDITIONS.only_backtracking));
    expect(only).toMatch(/Backtrack\./);
    expect(only).toMatch(/Do not check results against the target/);
    expect(only).toMatch(/Do not name intermediate goals/);
    expect(only).toMatch(/Do not reason backwards/);
    const all = claudeSystemPrompt(claudeTraceStyle(CONDITIONS.all_strategies));
    expect(all).toMatch(/Verify\./);
    expect(all).toMatch(/Set subgoals\./);
    expect(all).toMatch(/Work backwards/);
    expect(all).not.toMatch(/Do not/);
    expect(claudeSystemPrompt(claudeTraceStyle(CONDITIONS.incorrect_only))).toBe(all);
    expect(claudeSystemPrompt(claudeTraceStyle(CONDITIONS.negative_control))).toMatch(/Step 1: 21 - 9 = 12/);
  });
});

describe('buildClaudePriming', () => {
  it('asks as the paper did, scores and annotates every trace, and reports progress and cost', async () => {
    const outcomes: BuildOutcome[] = [];
    const progress: ClaudeBuildProgress[] = [];
    const dataset = await build({ onOutcome: (o) => void outcomes.push(o), onProgress: (p) => progress.push(p) });

    const [first] = server.messageRequests();
    expect(first.body?.system).toEqual([
      {
        type: 'text',
        text: claudeSystemPrompt(claudeTraceStyle(CONDITIONS.all_strategies)),
        cache_control: { type: 'ephemeral' },
      },
    ]);
    expect(first.body?.temperature).toBe(0.5);
    expect(first.body?.max_tokens).toBe(1024);
    expect(first.headers['anthropic-version']).toBe('2023-06-01');
    expect(first.body?.messages).toEqual([{ role: 'user', content: countdownQuery(problems[0]) }]);
    expect(lastUserText(first.body!).endsWith('Let me solve this step by step.')).toBe(true);

    expect(dataset.condition).toBe('all_strategies');
    expect(dataset.source).toBe('claude');
    expect(dataset.traces).toHaveLength(6);
    expect(dataset.problems).toEqual(dataset.traces.map((t) => t.problem));
    for (const t of dataset.traces) {
      expect(t.prompt).toBe(renderPrompt(countdownTask, t.problem, 'base'));
      expect(t.completion.startsWith('\nLet me try')).toBe(true);
      expect(t.reward).toBe(countdownReward(t.completion, t.problem));
      expect(t.reward).toBe(t.problem.target % 2 === 0 ? 1 : 0.1);
      expect(t.counts).toEqual(annotateSpans(t.problem, t.completion).counts);
    }
    expect(dataset.traces.some((t) => t.counts.verification > 0)).toBe(true);
    expect(outcomes.map((o) => o.kind)).toEqual(Array(6).fill('kept'));
    expect(progress.map((p) => p.kept)).toEqual([1, 2, 3, 4, 5, 6]);
    const last = progress.at(-1)!;
    expect(last.requested).toBe(6);
    expect(last.usage.outputTokens).toBeGreaterThan(0);
    expect(last.costUsd).toBeGreaterThan(0);
    expect(dataset.notes).toMatchObject({ model: MODEL, temperature: 0.5, maxTokens: 1024, requested: 6 });
  });

  it('sends no temperature, on the current API version, when asked for none', async () => {
    await build({ count: 1, temperature: null });
    const [request] = server.messageRequests();
    expect(request.body?.temperature).toBeUndefined();
    expect(request.headers['anthropic-version']).toBe('2026-10-21');
  });

  it('resumes: a restarted build skips what is done and only asks for the rest', async () => {
    const saved: PrimingTrace[] = [];
    const asked = new Set<string>();
    const controller = new AbortController();
    const firstRun = build({
      count: 8,
      concurrency: 1,
      signal: controller.signal,
      onOutcome: (o) => {
        asked.add(o.key);
        if (o.kind === 'kept') saved.push(o.trace);
        if (saved.length === 3) controller.abort();
      },
    });
    await expect(firstRun).rejects.toMatchObject({ name: 'AbortError' });
    expect(saved).toHaveLength(3);
    const firstRequests = server.messageRequests().length;

    const dataset = await build({ count: 8, previous: saved, skip: asked });
    const secondQueries = server
      .messageRequests()
      .slice(firstRequests)
      .map((r) => lastUserText(r.body!));
    expect(secondQueries).toHaveLength(5);
    for (const key of asked)
      expect(secondQueries).not.toContain(countdownQuery(problems.find((p) => problemKey(p) === key)!));
    expect(dataset.traces).toHaveLength(8);
    expect(dataset.traces.slice(0, 3)).toEqual(saved);
    expect(new Set(dataset.traces.map((t) => problemKey(t.problem))).size).toBe(8);
  });

  it('keeps only wrong answers for incorrect_only, reporting the right ones as discarded', async () => {
    const outcomes: BuildOutcome[] = [];
    const dataset = await build({ condition: 'incorrect_only', count: 5, onOutcome: (o) => void outcomes.push(o) });
    expect(dataset.traces).toHaveLength(5);
    for (const t of dataset.traces) expect(t.reward).toBeLessThan(1);
    const discarded = outcomes.filter((o) => o.kind === 'discarded');
    expect(discarded.length).toBeGreaterThan(0);
    for (const o of discarded) expect(o.kind === 'discarded' && o.trace.reward).toBe(1);
    expect(dataset.notes?.requested).toBe(5 + discarded.length);
    expect(dataset.notes?.discarded).toBe(discarded.length);
  });

  it('retries a rate limit, stays within its concurrency, and says when problems run out', async () => {
    server.latencyMs = 20;
    server.enqueue(rateLimited(0.01));
    const outcomes: BuildOutcome[] = [];
    const few = problems.slice(0, 5);
    const dataset = await build({ problems: few, count: 10, concurrency: 2, onOutcome: (o) => void outcomes.push(o) });
    expect(server.maxInFlight).toBe(2);
    expect(server.messageRequests()).toHaveLength(6);
    expect(outcomes.every((o) => o.kind === 'kept')).toBe(true);
    expect(dataset.traces).toHaveLength(5);
    expect(dataset.notes?.shortBy).toBe(5);
  });

  it('records a request that keeps failing and moves on, but stops at once on a rejected key', async () => {
    server.enqueue(
      { kind: 'error', status: 500, type: 'api_error', message: 'boom' },
      { kind: 'error', status: 500, type: 'api_error', message: 'boom' },
      { kind: 'error', status: 500, type: 'api_error', message: 'boom' },
    );
    const outcomes: BuildOutcome[] = [];
    const dataset = await build({ count: 2, concurrency: 1, onOutcome: (o) => void outcomes.push(o) });
    expect(outcomes[0]).toMatchObject({ kind: 'failed', key: problemKey(problems[0]) });
    expect(outcomes[0].kind === 'failed' && outcomes[0].error).toMatch(
      /Anthropic API error 500 after 3 attempts: boom/,
    );
    expect(dataset.traces.map((t) => problemKey(t.problem))).toEqual([
      problemKey(problems[1]),
      problemKey(problems[2]),
    ]);

    server.enqueue(text(claudeReply(problems[0])), badKey());
    const saved: BuildOutcome[] = [];
    const error = await build({ count: 4, concurrency: 1, onOutcome: (o) => void saved.push(o) }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toMatch(/^Anthropic rejected the API key \(401\)/);
    expect((error as Error).message).not.toContain(KEY);
    expect(saved.map((o) => o.kind)).toEqual(['kept']);
  });
});
