// What the Claude judge and the Claude priming builder share: a browser-safe SDK client, the model
// list, one text request with usage, our own retry policy (429, 529, 5xx, network; the SDK's own
// retries are off so this policy is the only one and is tested), clear errors, and a pool that
// bounds how many requests are in flight. The API key is never put in a message or a log.
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { abortError, type JudgeTurn, type TokenUsage } from './judge.ts';

export function createClaudeClient(apiKey: string, baseURL?: string): Anthropic {
  if (!apiKey.trim()) throw new Error('no Anthropic API key given');
  return new Anthropic({
    apiKey,
    baseURL: baseURL ?? 'https://api.anthropic.com',
    dangerouslyAllowBrowser: true,
    maxRetries: 0,
    logLevel: 'off',
  });
}

export interface ClaudeModel {
  id: string;
  displayName: string;
  createdAt: string;
}

/** The models this key may call, newest first as the API lists them; retired ones are left out. */
export async function listClaudeModels(apiKey: string, baseURL?: string, signal?: AbortSignal): Promise<ClaudeModel[]> {
  const client = createClaudeClient(apiKey, baseURL);
  const models: ClaudeModel[] = [];
  try {
    for await (const m of client.models.list({}, { signal })) {
      if (m.lifecycle === 'retired') continue;
      models.push({ id: m.id, displayName: m.display_name, createdAt: m.created_at });
    }
  } catch (err) {
    throw claudeError(err, 1);
  }
  return models;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Source of jitter in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

export interface ClaudeRequest {
  model: string;
  /** Sent as one text block marked for prompt caching: it is the same for every request. */
  system: string;
  turns: JudgeTurn[];
  maxTokens: number;
  /**
   * Sampling temperature. API version 2026-10-21 (the SDK's default) rejects every sampling
   * parameter, so a request with a temperature is sent as API version 2023-06-01, the last that
   * takes one; newer models may refuse it there too.
   */
  temperature?: number;
}

export interface ClaudeReply {
  text: string;
  usage: TokenUsage;
  stopReason: string | null;
}

export const LEGACY_SAMPLING_API_VERSION = '2023-06-01';

export async function claudeText(
  client: Anthropic,
  request: ClaudeRequest,
  retry: RetryPolicy,
  signal?: AbortSignal,
): Promise<ClaudeReply> {
  const system: TextBlockParam[] = [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }];
  const messages: MessageParam[] = request.turns.map((t) => ({ role: t.role, content: t.text }));
  const params: MessageCreateParamsNonStreaming & { temperature?: number } = {
    model: request.model,
    max_tokens: request.maxTokens,
    system,
    messages,
  };
  if (request.temperature !== undefined) params.temperature = request.temperature;
  const headers = request.temperature !== undefined ? { 'anthropic-version': LEGACY_SAMPLING_API_VERSION } : undefined;
  const message = await withClaudeRetries(() => client.messages.create(params, { signal, headers }), retry, signal);
  const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  const u = message.usage;
  return {
    text,
    stopReason: message.stop_reason,
    usage: {
      inputTokens: u.input_tokens,
      outputTokens: u.output_tokens,
      cacheCreationInputTokens: u.cache_creation_input_tokens ?? 0,
      cacheReadInputTokens: u.cache_read_input_tokens ?? 0,
    },
  };
}

/** An API failure with a readable message; `fatal` ones (key, permission, bad request) stop a batch. */
export class ClaudeApiError extends Error {
  override name = 'ClaudeApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

export async function withClaudeRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (signal?.aborted || err instanceof APIUserAbortError) throw abortError();
      if (!isRetryable(err) || attempt >= policy.maxAttempts) throw claudeError(err, attempt);
      await sleep(retryDelayMs(err as APIError, attempt, policy), signal);
    }
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof APIConnectionError) return true;
  if (!(err instanceof APIError) || err.status === undefined) return false;
  return err.status === 408 || err.status === 429 || err.status >= 500;
}

/**
 * The server's retry-after (or retry-after-ms) when it gives one; otherwise exponential backoff,
 * base * 2^(attempt-1) capped at maxDelayMs, with jitter in [50%, 100%] so that a pool of requests
 * rate-limited together does not come back together.
 */
export function retryDelayMs(err: APIError, attempt: number, policy: RetryPolicy): number {
  const asked = retryAfterMs(err.headers);
  if (asked !== null) return asked;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return backoff * (0.5 + 0.5 * (policy.random ?? Math.random)());
}

function retryAfterMs(headers: Headers | undefined): number | null {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export function claudeError(err: unknown, attempts: number): Error {
  if (err instanceof APIUserAbortError) return abortError();
  if (!(err instanceof APIError)) return err instanceof Error ? err : new Error(String(err));
  const detail = err.apiMessage ?? err.message;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (err.status) {
    case undefined:
      return new ClaudeApiError(`could not reach the Anthropic API${tries}: ${detail}`, undefined, false);
    case 401:
      return new ClaudeApiError(
        'Anthropic rejected the API key (401): check that it is complete and still active.',
        401,
        true,
      );
    case 403:
      return new ClaudeApiError(`Anthropic refused the request (403): ${detail}`, 403, true);
    case 429:
      return new ClaudeApiError(`Anthropic kept rate-limiting the requests (429)${tries}: ${detail}`, 429, false);
    case 529:
      return new ClaudeApiError(`Anthropic is overloaded (529)${tries}: ${detail}`, 529, false);
  }
  const hint =
    err.status === 400 && /temperature/i.test(detail) ? ' (this model takes no temperature; build without one)' : '';
  const fatal = err.status < 500 && err.status !== 408;
  return new ClaudeApiError(`Anthropic API error ${err.status}${tries}: ${detail}${hint}`, err.status, fatal);
}

export function isFatal(err: unknown): boolean {
  return (err instanceof ClaudeApiError && err.fatal) || (err instanceof DOMException && err.name === 'AbortError');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export type PoolJob = (signal: AbortSignal) => Promise<void>;

/**
 * Runs jobs taken from `next` with at most `limit` in flight, refilling whenever one finishes,
 * until `next` gives none and none is running. `next` may give none for now and more later (the
 * builder does, while the jobs in flight may still fail). The first error aborts the jobs still
 * running (through their signal) and is rethrown once every job has settled.
 */
export function runPool(limit: number, next: () => PoolJob | undefined, signal?: AbortSignal): Promise<void> {
  if (!(limit >= 1)) throw new Error(`concurrency must be at least 1, got ${limit}`);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stop.abort();
  return new Promise((resolve, reject) => {
    let running = 0;
    let failure: unknown = null;
    const settle = () => {
      signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else if (signal?.aborted) reject(abortError());
      else resolve();
    };
    const fill = () => {
      for (let job: PoolJob | undefined; !stop.signal.aborted && running < limit && (job = next());) {
        running++;
        job(stop.signal).then(finished, (err: unknown) => {
          failure ??= err;
          stop.abort();
          finished();
        });
      }
      if (running === 0) settle();
    };
    const finished = () => {
      running--;
      fill();
    };
    fill();
  });
}
