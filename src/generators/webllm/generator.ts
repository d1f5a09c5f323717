// WebLLM as a TextGenerator: fast sampling and local judging with WebLLM's prebuilt MLC builds of the
// Instruct models. The model loads on the first generate() (or load()); rows are generated one after
// another, because WebLLM streams one sequence at a time (n > 1 cannot stream, and is sequential anyway).

import type { GenerateRequest, Generation, TextGenerator } from '../../tasks/types.ts';
import type { GpuMemoryLedger } from '../memory.ts';
import { adoptPrimerDownloads, type CacheStorageLike } from './cache.ts';
import { createWorkerEngine, untilAborted, type CreateEngine, type WebLlmHandle } from './engine.ts';
import { explainWebLlmError, type WebLlmErrorKind } from './errors.ts';
import type { WebLlmModel } from './models.ts';
import { mapInitProgress, type LoadProgress } from './progress.ts';
import { streamCompletion, type PromptStyle } from './stream.ts';

export interface WebLlmGeneratorOptions {
  /** The build to run, from chooseWebLlmModel. */
  model: WebLlmModel;
  /** Starts an engine with the model loaded; defaults to WebLLM in a Web Worker. Tests pass a stand-in. */
  createEngine?: CreateEngine;
  /** 'text' (default): prompts are text to continue, already templated; 'chat': each is one user message. */
  promptStyle?: PromptStyle;
  /** Where the loaded model is registered, and room is made for it. */
  ledger?: GpuMemoryLedger;
  onProgress?: (progress: LoadProgress) => void;
  /** Cache Storage to adopt the engine's downloads from before loading; null skips it (Node has none). */
  caches?: CacheStorageLike | null;
}

const cancelled = (): Generation => ({ text: '', tokens: 0, finish: 'cancel' });

/** Failures after which the engine cannot be trusted with another request. */
const FATAL = new Set<WebLlmErrorKind>(['out-of-memory', 'worker']);

export class WebLlmGenerator implements TextGenerator {
  readonly name: string;
  private readonly options: WebLlmGeneratorOptions;
  private loading: Promise<WebLlmHandle> | null = null;
  private unregister = () => {};

  constructor(options: WebLlmGeneratorOptions) {
    this.options = options;
    this.name = `webllm:${options.model.modelId}`;
  }

  /** Loads the model unless it is loaded or loading; a failed or cancelled load can be retried. */
  load(signal?: AbortSignal): Promise<WebLlmHandle> {
    this.loading ??= this.start(signal).catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }

  private async start(signal?: AbortSignal): Promise<WebLlmHandle> {
    const { model, ledger, onProgress, caches = defaultCaches() } = this.options;
    const createEngine = this.options.createEngine ?? createWorkerEngine;
    await ledger?.makeRoom('webllm', model.gpuBytes);
    if (caches) await adoptPrimerDownloads(caches, model.record);
    let handle: WebLlmHandle;
    try {
      handle = await createEngine(model.modelId, {
        initProgressCallback: (report) => onProgress?.(mapInitProgress(report, model.modelId)),
        appConfig: { model_list: [model.record], cacheBackend: 'cache' },
        signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw explainWebLlmError(err, { modelId: model.modelId, gpuBytes: model.gpuBytes });
    }
    this.unregister =
      ledger?.register({
        name: model.modelId,
        backend: 'webllm',
        bytes: model.gpuBytes,
        unload: () => this.unload(),
      }) ?? (() => {});
    return handle;
  }

  async generate(request: GenerateRequest): Promise<Generation[]> {
    if (request.topK)
      throw new Error(`WebLLM has no top-k sampling (request.topK = ${request.topK}); leave topK unset`);
    const { signal } = request;
    const results: Generation[] = [];
    if (signal?.aborted) return request.prompts.map(cancelled);
    let handle: WebLlmHandle;
    try {
      handle = await untilAborted(this.load(signal), signal);
    } catch (err) {
      if (signal?.aborted) return request.prompts.map(cancelled);
      throw err;
    }
    for (const [row, prompt] of request.prompts.entries()) {
      if (signal?.aborted) {
        results.push(cancelled());
        continue;
      }
      results.push(await this.generateRow(handle, request, row, prompt));
    }
    return results;
  }

  private async generateRow(
    handle: WebLlmHandle,
    request: GenerateRequest,
    row: number,
    prompt: string,
  ): Promise<Generation> {
    try {
      return await streamCompletion(handle, {
        prompt,
        style: this.options.promptStyle ?? 'text',
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        topP: request.topP ?? 1,
        // A GRPO group repeats one prompt: one seed for every row would repeat one sample.
        seed: request.seed === undefined ? undefined : request.seed + row,
        stop: request.stop ?? [],
        signal: request.signal,
        onText: request.onText && ((delta) => request.onText?.(row, delta)),
      });
    } catch (err) {
      const error = explainWebLlmError(err, {
        modelId: this.options.model.modelId,
        gpuBytes: this.options.model.gpuBytes,
      });
      if (FATAL.has(error.kind)) this.drop(handle);
      throw error;
    }
  }

  /** Frees the model and ends the worker; the next generate() loads again. */
  async unload(): Promise<void> {
    const loading = this.loading;
    if (!loading) return;
    const handle = await loading.catch(() => null);
    if (!handle) return;
    try {
      await Promise.race([handle.engine.unload(), handle.crashed]);
    } finally {
      this.drop(handle);
    }
  }

  private drop(handle: WebLlmHandle): void {
    handle.terminate();
    this.unregister();
    this.unregister = () => {};
    this.loading = null;
  }
}

function defaultCaches(): CacheStorageLike | null {
  return typeof caches === 'undefined' ? null : caches;
}
