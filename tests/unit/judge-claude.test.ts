import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APIError } from '@anthropic-ai/sdk';
import { listClaudeModels, retryDelayMs, type RetryPolicy } from '../../src/behaviors/claudeClient.ts';
import { ClaudeJudge } from '../../src/behaviors/judgeClaude.ts';
import { JUDGE_SYSTEM_PROMPT } from '../../src/behaviors/judgePrompt.ts';
import type { Trace } from '../../src/behaviors/types.ts';
import {
  badKey,
  overloaded,
  rateLimited,
  reasoningOf,
  startAnthropicServer,
  text,
  type AnthropicTestServer,
  type Responder,
} from '../support/anthropic-server.ts';

const KEY = 'sk-ant-test-0123456789';
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };

const completion = (i: number) =>
  [
    `<think> attempt ${i}`,
    '25 + 6 = 31. 31 is not 44.',
    'Let me try something else: 44 - 25 = 19, so I need 19 from 6 and 3.',
    '6 * 3 = 18, not 19.',
    '</think>',
    '<answer> 25 + 6 * 3 </answer>',
  ].join('\n');
const traces: Trace[] = Array.from({ length: 6 }, (_, i) => ({
  problem: { numbers: [25, 6, 3], target: 44 },
  completion: completion(i),
}));

/** A judge that quotes lines of the reasoning it was sent, plus one quote it made up. */
const quotingJudge: Responder = (body) => {
  const lines = reasoningOf(body).split('\n');
  const verification = lines.flatMap((l) => l.match(/\d+ is not 44|not 19/g) ?? []);
  const backtracking = lines.filter((l) => l.startsWith('Let me try')).map((l) => l.split(':')[0]);
  const backward = ['44  -  25 = 19, so I need 19'];
  const subgoal = ['I will first make 19 out of the six and the three'];
  return text(`<annotation>\n${JSON.stringify({ verification, backtracking, subgoal, backward })}\n</annotation>`);
};

let server: AnthropicTestServer;
beforeEach(async () => {
  server = await startAnthropicServer();
  server.respondWith(quotingJudge);
});
afterEach(() => server.close());

const judge = (extra: Partial<ConstructorParameters<typeof ClaudeJudge>[0]> = {}) =>
  new ClaudeJudge({ apiKey: KEY, model: 'claude-test-haiku', baseURL: server.url, retry: FAST, ...extra });

describe('ClaudeJudge against a local Messages API', () => {
  it('counts all four behaviors in one request per trace and aligns the quotes to spans', async () => {
    const out = await judge({ concurrency: 1 }).annotate(traces.slice(0, 2));
    expect(server.messageRequests()).toHaveLength(2);
    for (const [i, a] of out.entries()) {
      expect(a.annotator).toBe('claude:claude-test-haiku');
      expect(a.counts).toEqual({ verification: 2, backtracking: 1, subgoal: 1, backward: 1 });
      expect(a.unaligned).toEqual([
        { behavior: 'subgoal', quote: 'I will first make 19 out of the six and the three' },
      ]);
      expect(a.spans.map((s) => [s.behavior, s.evidence])).toEqual([
        ['verification', '31 is not 44'],
        ['backtracking', 'Let me try something else'],
        ['backward', '44 - 25 = 19, so I need 19'],
        ['verification', 'not 19'],
      ]);
      for (const s of a.spans) expect(traces[i].completion.slice(s.start, s.end)).toBe(s.evidence);
    }
  });

  it('sends the key, the API version and a cached system prompt, and reports cache usage', async () => {
    const j = judge({ concurrency: 1 });
    const out = await j.annotate(traces.slice(0, 3));
    const [first, second] = server.messageRequests();
    // SDK 1.x sends the key as a bearer token (API version 2026-10-21), not as x-api-key.
    expect(first.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(first.headers['anthropic-version']).toBe('2026-10-21');
    expect(first.headers['anthropic-dangerous-direct-browser-access']).toBe('true');
    expect(first.body?.system).toEqual([
      { type: 'text', text: JUDGE_SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } },
    ]);
    expect(first.body?.model).toBe('claude-test-haiku');
    expect(first.body?.temperature).toBeUndefined();
    expect(first.body?.messages).toHaveLength(1);
    expect(second.body?.system).toEqual(first.body?.system);
    expect(out[0].usage.cacheCreationInputTokens).toBeGreaterThan(0);
    expect(out[0].usage.cacheReadInputTokens).toBe(0);
    expect(out[1].usage.cacheReadInputTokens).toBe(out[0].usage.cacheCreationInputTokens);
    expect(j.usage.outputTokens).toBe(out.reduce((s, a) => s + a.usage.outputTokens, 0));
    expect(j.usage.cacheReadInputTokens).toBe(2 * out[0].usage.cacheCreationInputTokens);
  });

  it('retries a 429, waiting as long as retry-after says, then succeeds', async () => {
    server.enqueue(rateLimited(0.15));
    const started = Date.now();
    const [a] = await judge().annotate(traces.slice(0, 1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(a.error).toBeUndefined();
    expect(a.counts.verification).toBe(2);
    const requests = server.messageRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1].body).toEqual(requests[0].body);
  });

  it('retries 529 overloaded and 500 errors with backoff', async () => {
    server.enqueue(overloaded(), { kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' });
    const [a] = await judge().annotate(traces.slice(0, 1));
    expect(a.error).toBeUndefined();
    expect(server.messageRequests()).toHaveLength(3);
  });

  it('gives up on a trace after the last attempt without failing the others', async () => {
    server.enqueue(overloaded(), overloaded(), overloaded());
    const out = await judge({ concurrency: 1 }).annotate(traces.slice(0, 2));
    expect(out[0].error).toMatch(/Anthropic is overloaded \(529\) after 3 attempts: Overloaded/);
    expect(out[1].error).toBeUndefined();
    expect(out[1].counts.backtracking).toBe(1);
  });

  it('stops at once on a rejected key, with a clear message that does not contain the key', async () => {
    server.enqueue(badKey());
    const error = await judge({ concurrency: 1 })
      .annotate(traces.slice(0, 3))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^Anthropic rejected the API key \(401\)/);
    expect((error as Error).message).not.toContain(KEY);
    expect(server.messageRequests()).toHaveLength(1);
  });

  it('asks again when a reply cannot be read, and marks a trace whose retry fails too', async () => {
    server.enqueue(text('Verification: 2, backtracking: 1'));
    const [repaired] = await judge().annotate(traces.slice(0, 1));
    expect(repaired.calls).toBe(2);
    expect(repaired.error).toBeUndefined();
    const retry = server.messageRequests()[1].body!;
    expect(retry.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(retry.messages[2].content).toMatch(/could not be read/);

    server.enqueue(text('{"verification": ['), text('<annotation>still not</annotation>'));
    const out = await judge({ concurrency: 1 }).annotate(traces.slice(0, 2));
    expect(out[0].error).toMatch(/unreadable judge reply after one retry: the <annotation> block holds no JSON object/);
    expect(out[1].error).toBeUndefined();
  });

  it('never has more requests in flight than its concurrency limit', async () => {
    server.latencyMs = 30;
    const progress: number[] = [];
    const out = await judge({ concurrency: 3, onProgress: (p) => progress.push(p.done) }).annotate(traces);
    expect(out).toHaveLength(6);
    expect(server.maxInFlight).toBe(3);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('cancels through an AbortSignal', async () => {
    server.latencyMs = 50;
    const controller = new AbortController();
    const judging = judge({ concurrency: 2 }).annotate(traces, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await expect(judging).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.messageRequests().length).toBeLessThanOrEqual(2);
  });
});

describe('listClaudeModels', () => {
  it('pages through the Models API and leaves out retired models', async () => {
    server.models = [
      { id: 'claude-sonnet-9', display_name: 'Claude Sonnet 9', created_at: '2026-10-01T00:00:00Z' },
      { id: 'claude-haiku-9', display_name: 'Claude Haiku 9', created_at: '2026-09-01T00:00:00Z' },
      { id: 'claude-old-1', display_name: 'Claude Old 1', created_at: '2024-01-01T00:00:00Z', lifecycle: 'retired' },
      {
        id: 'claude-opus-8',
        display_name: 'Claude Opus 8',
        created_at: '2026-01-01T00:00:00Z',
        lifecycle: 'deprecated',
      },
      { id: 'claude-haiku-8', display_name: 'Claude Haiku 8', created_at: '2025-10-01T00:00:00Z' },
    ];
    const models = await listClaudeModels(KEY, server.url);
    expect(models.map((m) => m.id)).toEqual(['claude-sonnet-9', 'claude-haiku-9', 'claude-opus-8', 'claude-haiku-8']);
    expect(models[0]).toEqual({
      id: 'claude-sonnet-9',
      displayName: 'Claude Sonnet 9',
      createdAt: '2026-10-01T00:00:00Z',
    });
    const pages = server.requests.filter((r) => r.path === '/v1/models');
    expect(pages).toHaveLength(3);
    expect(pages[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('turns an error from the Models API into a readable one', async () => {
    server.models = [];
    await expect(listClaudeModels('sk-wrong', `${server.url}/unknown`)).rejects.toThrow(/Anthropic API error 404/);
  });
});

describe('retryDelayMs', () => {
  const err = (headers: Record<string, string>) => new APIError(429, undefined, 'rate limited', new Headers(headers));
  const policy = (random: number): RetryPolicy => ({
    maxAttempts: 9,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => random,
  });

  it('doubles per attempt up to the cap, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(err({}), n, policy(0)))).toEqual([50, 100, 200, 400, 500]);
    expect(retryDelayMs(err({}), 3, policy(0.5))).toBe(300);
    expect(retryDelayMs(err({}), 9, policy(1))).toBe(1000);
  });

  it('follows retry-after in seconds or as a date, and retry-after-ms first', () => {
    expect(retryDelayMs(err({ 'retry-after': '7' }), 1, policy(0))).toBe(7000);
    expect(retryDelayMs(err({ 'retry-after-ms': '250', 'retry-after': '7' }), 1, policy(0))).toBe(250);
    const soon = new Date(Date.now() + 3000).toUTCString();
    const delay = retryDelayMs(err({ 'retry-after': soon }), 1, policy(0));
    expect(delay).toBeGreaterThan(1000);
    expect(delay).toBeLessThanOrEqual(3000);
  });
});
