// A stand-in for WebLLM 0.2.86 behind its Web Worker, for Node tests (no WebGPU, no model weights). It keeps
// what Primer depends on, as the package's code does it:
// - reload(): model record from appConfig.model_list (ModelNotFoundError), mlc-chat-config.json through
//   "webllm/config", the model library through "webllm/wasm", WebGPU detection (WebGPUNotAvailableError),
//   required_features (ShaderF16SupportError), tokenizer and tensor-cache.json and shards through
//   "webllm/model" with Cache.add() on a cache miss, tvmjs's progress texts, a q4f16 shader that fails to
//   compile without shader-f16, and DeviceLostError when the build needs more memory than the GPU has.
// - streaming: requests checked by the package's own postInitAndCheckFields functions; the model lock held
//   from a stream's first next() to its end; a delta chunk after prefill and after every decode step
//   (the message's new suffix, empty when a stop string was cut off), a final chunk with finish_reason,
//   then a usage chunk with choices []; stop strings cut out of the message; interruptGenerate() taking
//   effect at the next step and cleared when a stream starts.
// - the worker boundary: every call and every next() crosses a task hop, errors arrive as err.toString()
//   strings, and a terminated worker never answers again.
// WebLLM does not export its error classes (index.d.ts exports only IntegrityError), so they are rebuilt
// here with WebLLM's class names; across the worker only "Name: message" survives anyway.
// The "model" replies with scripted tokens: reply(prompt, sampling) gives the token texts, END ends them.

import {
  ModelType,
  postInitAndCheckFieldsChatCompletion,
  postInitAndCheckFieldsCompletion,
  prebuiltAppConfig,
  type ChatCompletionChunk,
  type ChatCompletionFinishReason,
  type ChatCompletionRequestStreaming,
  type Completion,
  type CompletionUsage,
  type CompletionCreateParamsStreaming,
  type ModelRecord,
} from '@mlc-ai/web-llm';
import type { FileBytes } from '../../src/engine/load/source.ts';
import {
  loadEngine,
  type CreateEngine,
  type EngineOptions,
  type SpawnedEngine,
  type WebLlmEngine,
} from '../../src/generators/webllm/engine.ts';
import { chooseWebLlmModel, type WebLlmModel } from '../../src/generators/webllm/models.ts';
import { buildTinyModel, type TinyModel } from './tinyModel.ts';
import { MemoryCacheStorage } from './webllmCaches.ts';

/** The end-of-sequence token in scripted replies. */
export const END = '<|endoftext|>';
/** The conversation template's stop string (Qwen's ChatML). */
export const TEMPLATE_STOP = '<|im_end|>';

export interface StandInGpu {
  webgpu: boolean;
  shaderF16: boolean;
  memoryMB: number;
  description: string;
}

export type Reply = (prompt: string, sampling: { seed?: number; temperature?: number }) => string[];

export interface StandInOptions {
  gpu?: Partial<StandInGpu>;
  reply?: Reply;
  /** The network: 'offline' fails every request, as fetch does without a connection. */
  network?: 'online' | 'offline';
  /** The device is lost when decoding this many tokens into a reply (out of memory mid-generation). */
  loseDeviceAfterTokens?: number;
  /** The worker script fails to load. */
  crashOnSpawn?: boolean;
}

/** The build of `name` that Primer picks from WebLLM's real prebuilt list for a GPU with or without shader-f16. */
export function prebuiltModel(name: string, shaderF16 = true, quant?: 'q4f16_1' | 'q4f32_1'): WebLlmModel {
  return chooseWebLlmModel(name, { shaderF16 }, prebuiltAppConfig.model_list, quant).model;
}

export function webLlmError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const never = <T>() => new Promise<T>(() => {});
const hop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const modelUrlOf = (record: ModelRecord) => `${record.model.replace(/\/$/, '')}/resolve/main/`;
const MIB = 2 ** 20;

export class WebLlmStandIn {
  readonly gpu: StandInGpu;
  readonly caches: MemoryCacheStorage;
  /** Every URL the network was asked for. */
  readonly fetched: string[] = [];
  readonly engines: StandInEngine[] = [];
  private readonly files = new Map<string, Uint8Array>();

  constructor(readonly options: StandInOptions = {}) {
    this.gpu = { webgpu: true, shaderF16: true, memoryMB: 8192, description: 'Stand-in GPU', ...options.gpu };
    this.caches = new MemoryCacheStorage((request) => this.fetch(request));
  }

  /** Puts a model's files on the stand-in huggingface.co, and its library on the stand-in GitHub. */
  publish(record: ModelRecord, files: readonly FileBytes[]): void {
    for (const file of files) this.files.set(`${modelUrlOf(record)}${file.name}`, file.bytes);
    this.files.set(record.model_lib, new Uint8Array([0, 97, 115, 109]));
  }

  /** Publishes a tiny model in the record's layout, with a tokenizer.json, and returns it. */
  publishTiny(record: ModelRecord, seed = 1): TinyModel {
    const arch = record.model_id.startsWith('Llama') ? 'llama' : 'qwen2';
    const layout = record.model_id.includes('q4f16') ? 'mlc-q4f16_1' : 'mlc-q4f32_1';
    const tiny = buildTinyModel({ arch, layout, seed });
    const files = [...tiny.files, { name: 'tokenizer.json', bytes: new TextEncoder().encode('{}') }];
    this.publish(record, files);
    return { ...tiny, files };
  }

  async fetch(request: Request): Promise<Response> {
    this.fetched.push(request.url);
    if (this.options.network === 'offline') throw new TypeError('Failed to fetch');
    const bytes = this.files.get(request.url);
    return bytes ? new Response(bytes.slice(), { status: 200 }) : new Response('Entry not found', { status: 404 });
  }

  /** Starts a "worker" with an unloaded engine, as spawnWorkerEngine does. */
  spawn(options: EngineOptions): SpawnedEngine {
    const engine = new StandInEngine(this, options);
    this.engines.push(engine);
    const crashed = this.options.crashOnSpawn
      ? Promise.reject(webLlmError('WorkerError', 'Uncaught SyntaxError: Unexpected token (webllm.worker.js:1)'))
      : never<never>();
    crashed.catch(() => {});
    return { engine, crashed, terminate: () => engine.terminate() };
  }

  /** A CreateEngine for WebLlmGenerator: Primer's loadEngine over a stand-in worker. */
  readonly createEngine: CreateEngine = (modelId, options) => loadEngine(this.spawn(options), modelId, options.signal);

  /** Streams that took the model lock and have not finished. */
  get openStreams(): number {
    return this.engines.reduce((n, e) => n + e.openStreams, 0);
  }
}

interface Loaded {
  record: ModelRecord;
  contextWindow: number;
}

export class StandInEngine implements WebLlmEngine {
  terminated = false;
  openStreams = 0;
  interruptCalls = 0;
  /** The requests the engine accepted, as sent. */
  readonly requests: StreamRequest[] = [];
  private loaded: Loaded | null = null;
  private interruptSignal = false;
  private lockTail: Promise<void> = Promise.resolve();

  constructor(
    private readonly world: WebLlmStandIn,
    private readonly options: EngineOptions,
  ) {}

  terminate(): void {
    this.terminated = true;
    this.loaded = null;
  }

  /** One call across the worker boundary: a task hop there and back; errors come back as strings. */
  private async call<T>(task: () => Promise<T>): Promise<T> {
    await hop();
    if (this.terminated) return never();
    try {
      const result = await task();
      return this.terminated ? never() : result;
    } catch (err) {
      if (this.terminated) return never();
      throw String(err);
    }
  }

  reload = (modelId: string | string[]): Promise<void> =>
    this.call(() => this.load(Array.isArray(modelId) ? modelId[0] : modelId));
  unload = (): Promise<void> => this.call(async () => void (this.loaded = null));
  interruptGenerate = (): void => {
    this.interruptCalls++;
    void this.call(async () => void (this.interruptSignal = true));
  };

  chat = {
    completions: {
      create: (request: ChatCompletionRequestStreaming) =>
        this.call(async () => {
          const loaded = this.requireLoaded('ChatCompletionRequest');
          postInitAndCheckFieldsChatCompletion(request, loaded.record.model_id, ModelType.LLM);
          this.requests.push(request);
          const last = request.messages[request.messages.length - 1];
          const prompt = `<|im_start|>user\n${typeof last.content === 'string' ? last.content : ''}${TEMPLATE_STOP}\n<|im_start|>assistant\n`;
          return this.stream(request, prompt, chatChunks(loaded.record.model_id));
        }),
    },
  };

  completions = {
    create: (request: CompletionCreateParamsStreaming) =>
      this.call(async () => {
        const loaded = this.requireLoaded('CompletionCreateParams');
        postInitAndCheckFieldsCompletion(request, loaded.record.model_id);
        this.requests.push(request);
        return this.stream(request, request.prompt, textChunks(loaded.record.model_id));
      }),
  };

  private requireLoaded(requestName: string): Loaded {
    if (!this.loaded)
      throw webLlmError('ModelNotLoadedError', `Model not loaded before trying to complete ${requestName}.`);
    return this.loaded;
  }

  private report(progress: number, started: number, text: string): void {
    this.options.initProgressCallback({ progress, timeElapsed: Math.ceil((performance.now() - started) / 1000), text });
  }

  /** Cache-first fetch into one of WebLLM's caches (ArtifactCache.fetchWithCache). */
  private async fetchWithCache(scope: string, url: string): Promise<Response> {
    const cache = await this.world.caches.open(scope);
    if (!(await cache.match(url))) await cache.add(url);
    const hit = await cache.match(url);
    if (!hit) throw new Error(`Cannot fetch ${url}`);
    return hit;
  }

  private async load(modelId: string): Promise<void> {
    this.loaded = null;
    const started = performance.now();
    const record = this.options.appConfig.model_list.find((r) => r.model_id === modelId);
    if (!record) throw webLlmError('ModelNotFoundError', `Cannot find model record in appConfig for ${modelId}.`);
    const base = modelUrlOf(record);
    const chatConfig = (await (await this.fetchWithCache('webllm/config', `${base}mlc-chat-config.json`)).json()) as {
      context_window_size?: number;
    };
    await this.fetchWithCache('webllm/wasm', record.model_lib);
    const gpu = this.world.gpu;
    if (!gpu.webgpu)
      throw webLlmError('WebGPUNotAvailableError', 'WebGPU is not supported in your current environment.');
    if (record.required_features?.includes('shader-f16') && !gpu.shaderF16) {
      throw webLlmError(
        'ShaderF16SupportError',
        'This model requires WebGPU extension shader-f16, which is not enabled in this browser.',
      );
    }
    await this.fetchWithCache('webllm/model', `${base}tokenizer.json`);
    await this.loadTensors(base, started);
    if (record.model_id.includes('q4f16') && !gpu.shaderF16) {
      throw new Error("Invalid ShaderModule: extension 'f16' is not allowed in the Device (enable f16;)");
    }
    this.report(1, started, `Loading GPU shader modules[86/86]: 100% completed, 0 secs elapsed.`);
    this.report(1, started, `Finish loading on WebGPU - ${gpu.description}`);
    if ((record.vram_required_MB ?? 0) > gpu.memoryMB)
      throw webLlmError('DeviceLostError', 'The WebGPU device was lost while loading the model (out of memory).');
    const overrides = record.overrides?.context_window_size;
    this.loaded = { record, contextWindow: overrides ?? chatConfig.context_window_size ?? 4096 };
  }

  /** tvmjs fetchTensorCache: download the missing shards (reporting each), then read every shard back. */
  private async loadTensors(base: string, started: number): Promise<void> {
    const index = (await (await this.fetchWithCache('webllm/model', `${base}tensor-cache.json`)).json()) as {
      records: { dataPath: string; nbytes: number }[];
    };
    const shards = index.records;
    const totalBytes = shards.reduce((n, s) => n + s.nbytes, 0);
    const cache = await this.world.caches.open('webllm/model');
    const cached = new Set((await cache.keys()).map((r) => r.url));
    const cacheOnly = shards.every((s) => cached.has(`${base}${s.dataPath}`));
    this.report(0, started, 'Start to fetch params');
    const phases = cacheOnly ? ['loading'] : ['fetching', 'loading'];
    for (const phase of phases) {
      let bytes = 0;
      for (const [i, shard] of shards.entries()) {
        await this.fetchWithCache('webllm/model', `${base}${shard.dataPath}`);
        bytes += shard.nbytes;
        const head =
          phase === 'fetching'
            ? `Fetching param cache[${i + 1}/${shards.length}]: `
            : `Loading model from cache[${i + 1}/${shards.length}]: `;
        const seconds = Math.ceil((performance.now() - started) / 1000);
        const tail = phase === 'fetching' ? 'MB fetched. ' : 'MB loaded. ';
        this.report(
          bytes / totalBytes,
          started,
          `${head}${Math.ceil(bytes / MIB)}${tail}${Math.floor((bytes * 100) / totalBytes)}% completed, ${seconds} secs elapsed.`,
        );
      }
    }
  }

  private async acquire(): Promise<() => void> {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const before = this.lockTail;
    this.lockTail = before.then(() => held);
    await before;
    return release;
  }

  /** The page-side iterator over a worker-side stream: every next() is a message hop; errors come as strings. */
  private stream<T>(request: StreamRequest, prompt: string, shapes: ChunkShapes<T>): AsyncIterable<T> {
    const source = this.generate(request, prompt, shapes);
    const next = (): Promise<IteratorResult<T>> => this.call(() => source.next());
    return { [Symbol.asyncIterator]: () => ({ next }) };
  }

  /** WebLLM's asyncGenerate and processNextToken, over the scripted reply. */
  private async *generate<T>(request: StreamRequest, prompt: string, shapes: ChunkShapes<T>): AsyncGenerator<T, void> {
    const release = await this.acquire();
    this.openStreams++;
    try {
      this.interruptSignal = false;
      const contextWindow = this.loaded?.contextWindow ?? 4096;
      const script = (this.world.options.reply ?? (() => [END]))(prompt, {
        seed: request.seed ?? undefined,
        temperature: request.temperature ?? undefined,
      });
      const stops = [TEMPLATE_STOP, ...(typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []))];
      const promptTokens = Math.ceil(prompt.length / 4);
      const output: string[] = [];
      let message = '';
      let shown = 0;
      let finish: ChatCompletionFinishReason | null = null;
      let committed = 0;
      const step = () => {
        const loseAt = this.world.options.loseDeviceAfterTokens;
        if (loseAt !== undefined && committed >= loseAt)
          throw webLlmError('DeviceLostError', 'The WebGPU device was lost (out of memory).');
        const token = script[committed] ?? END;
        committed++;
        if (token === END) finish = 'stop';
        else output.push(token);
        message = output.join('');
        for (const stop of stops) {
          const at = message.lastIndexOf(stop);
          if (at < 0) continue;
          message = message.slice(0, at);
          finish = 'stop';
          break;
        }
        if (finish === null && output.length >= (request.max_tokens ?? Infinity)) finish = 'length';
        if (finish === null && promptTokens + output.length >= contextWindow) finish = 'length';
      };
      const delta = (): T => {
        const text = message.slice(shown);
        shown = message.length;
        return shapes.delta(text);
      };
      step();
      yield delta();
      while (finish === null) {
        if (this.interruptSignal) {
          finish = 'abort';
          break;
        }
        step();
        yield delta();
      }
      yield shapes.final(finish);
      if (request.stream_options?.include_usage) {
        const extra = {
          e2e_latency_s: 0,
          prefill_tokens_per_s: 0,
          decode_tokens_per_s: 0,
          time_to_first_token_s: 0,
          time_per_output_token_s: 0,
        };
        yield shapes.usage({
          completion_tokens: committed,
          prompt_tokens: promptTokens,
          total_tokens: committed + promptTokens,
          extra,
        });
      }
    } finally {
      this.openStreams--;
      release();
    }
  }
}

type StreamRequest = ChatCompletionRequestStreaming | CompletionCreateParamsStreaming;

/** The three chunk kinds of a stream, as WebLLM's makeStreamDeltaChunk / FinalChunk / UsageChunk build them. */
interface ChunkShapes<T> {
  delta(text: string): T;
  final(finish: ChatCompletionFinishReason): T;
  usage(usage: CompletionUsage): T;
}

function chatChunks(model: string): ChunkShapes<ChatCompletionChunk> {
  const common = { id: 'stand-in', created: 0, model, object: 'chat.completion.chunk' as const };
  return {
    delta: (content) => ({
      ...common,
      choices: [{ delta: { content, role: 'assistant' }, finish_reason: null, index: 0, logprobs: null }],
    }),
    final: (finish) => ({ ...common, choices: [{ delta: {}, finish_reason: finish, index: 0 }] }),
    usage: (usage) => ({ ...common, choices: [], usage }),
  };
}

function textChunks(model: string): ChunkShapes<Completion> {
  const common = { id: 'stand-in', created: 0, model, object: 'text_completion' as const };
  return {
    delta: (text) => ({ ...common, choices: [{ text, finish_reason: null, index: 0, logprobs: null }] }),
    final: (finish) => ({ ...common, choices: [{ text: '', finish_reason: finish, index: 0 }] }),
    usage: (usage) => ({ ...common, choices: [], usage }),
  };
}
