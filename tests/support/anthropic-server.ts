// A local stand-in for the Anthropic API, so the real SDK can be tested without a key or network:
// POST /v1/messages and GET /v1/models with the API's JSON shapes and error bodies. Each test
// scripts it with a queue of replies (rate limits, overloads, a bad key, any text) and a fallback
// that can compute a reply from the request. It records every request and the most requests it
// ever had in flight at once.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MessagesBody {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string; cache_control?: { type: string } }[];
  messages: { role: 'user' | 'assistant'; content: string | { type: 'text'; text: string }[] }[];
  temperature?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: MessagesBody | null;
}

export type ScriptedReply =
  | { kind: 'text'; text: string; stopReason?: string }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> };

export type Responder = (body: MessagesBody) => ScriptedReply;

export interface TestModel {
  id: string;
  display_name: string;
  created_at: string;
  lifecycle?: 'active' | 'deprecated' | 'retired';
}

export const rateLimited = (retryAfterSeconds: number): ScriptedReply => ({
  kind: 'error',
  status: 429,
  type: 'rate_limit_error',
  message: 'Number of request tokens has exceeded your per-minute rate limit',
  headers: { 'retry-after': String(retryAfterSeconds) },
});

export const overloaded = (): ScriptedReply => ({
  kind: 'error',
  status: 529,
  type: 'overloaded_error',
  message: 'Overloaded',
});

export const badKey = (): ScriptedReply => ({
  kind: 'error',
  status: 401,
  type: 'authentication_error',
  message: 'invalid x-api-key',
});

export const text = (value: string): ScriptedReply => ({ kind: 'text', text: value });

/** The text of the last user message, the part a judge or builder test usually looks at. */
export function lastUserText(body: MessagesBody): string {
  const last = body.messages.filter((m) => m.role === 'user').at(-1);
  if (!last) return '';
  return typeof last.content === 'string' ? last.content : last.content.map((c) => c.text).join('');
}

/** The completion a judge request asks about: what sits between <reasoning> tags. */
export function reasoningOf(body: MessagesBody): string {
  const user = body.messages.find((m) => m.role === 'user');
  const content = typeof user?.content === 'string' ? user.content : (user?.content ?? []).map((c) => c.text).join('');
  const match = /<reasoning>\n([\s\S]*)\n<\/reasoning>/.exec(content);
  if (!match) throw new Error('test server: judge request has no <reasoning> block');
  return match[1];
}

/** Rough token count, enough for usage figures that tests compare. */
const tokensOf = (s: string) => Math.ceil(s.length / 4);

export class AnthropicTestServer {
  readonly requests: RecordedRequest[] = [];
  /** Most /v1/messages requests in flight at the same moment. */
  maxInFlight = 0;
  /** How long each messages reply is held, so that overlapping requests can be seen. */
  latencyMs = 5;
  models: TestModel[] = [];
  /** Models per page of GET /v1/models, small so that paging is exercised. */
  modelPageSize = 2;
  private inFlight = 0;
  private readonly queue: ScriptedReply[] = [];
  private fallback: Responder = () => ({
    kind: 'error',
    status: 500,
    type: 'api_error',
    message: 'test server: nothing scripted',
  });
  private readonly cachedSystems = new Set<string>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = raw ? (JSON.parse(raw) as MessagesBody) : null;
        const url = new URL(req.url ?? '/', 'http://localhost');
        this.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
        if (req.method === 'GET' && url.pathname === '/v1/models') return this.listModels(url, res);
        if (req.method === 'POST' && url.pathname === '/v1/messages' && body) return void this.message(body, res);
        send(res, 404, errorBody('not_found_error', `test server: no route ${req.method} ${url.pathname}`));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Replies given in order to the next messages requests, before the fallback takes over. */
  enqueue(...replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  respondWith(responder: Responder): void {
    this.fallback = responder;
  }

  messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/messages');
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private async message(body: MessagesBody, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const reply = this.queue.shift() ?? this.fallback(body);
    await new Promise((r) => setTimeout(r, this.latencyMs));
    this.inFlight--;
    if (reply.kind === 'error') return send(res, reply.status, errorBody(reply.type, reply.message), reply.headers);
    send(res, 200, {
      id: `msg_test_${this.requests.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: reply.text, citations: null }],
      stop_reason: reply.stopReason ?? 'end_turn',
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: this.usage(body, reply.text),
    });
  }

  /** Input split as the API would with prompt caching: a cached system prompt is written once, then read. */
  private usage(body: MessagesBody, reply: string) {
    const blocks = typeof body.system === 'string' ? [{ text: body.system }] : (body.system ?? []);
    const cachedText = blocks
      .filter((b) => 'cache_control' in b && b.cache_control)
      .map((b) => b.text)
      .join('');
    const systemText = blocks.map((b) => b.text).join('');
    const messagesText = body.messages
      .map((m) => (typeof m.content === 'string' ? m.content : m.content.map((c) => c.text).join('')))
      .join('');
    const seen = this.cachedSystems.has(cachedText);
    if (cachedText) this.cachedSystems.add(cachedText);
    return {
      input_tokens: tokensOf(messagesText) + tokensOf(systemText) - tokensOf(cachedText),
      output_tokens: tokensOf(reply),
      cache_creation_input_tokens: cachedText && !seen ? tokensOf(cachedText) : 0,
      cache_read_input_tokens: cachedText && seen ? tokensOf(cachedText) : 0,
      cache_creation: null,
      server_tool_use: null,
      service_tier: 'standard',
    };
  }

  private listModels(url: URL, res: ServerResponse): void {
    const after = url.searchParams.get('after_id');
    const limit = Number(url.searchParams.get('limit') ?? this.modelPageSize);
    const start = after ? this.models.findIndex((m) => m.id === after) + 1 : 0;
    const page = this.models.slice(start, start + Math.min(limit, this.modelPageSize));
    send(res, 200, {
      data: page.map((m) => ({ type: 'model', lifecycle: 'active', ...m })),
      has_more: start + page.length < this.models.length,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    });
  }
}

function errorBody(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: 'req_test' };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_test', ...headers });
  res.end(JSON.stringify(body));
}

export async function startAnthropicServer(): Promise<AnthropicTestServer> {
  const server = new AnthropicTestServer();
  await server.listen();
  return server;
}
