// Starting WebLLM. The engine runs in its own module Worker (webllm.worker.ts); the page holds a
// WebWorkerMLCEngine client that forwards every call as a message. @mlc-ai/web-llm (6.6 MB) is reached only
// through import() here and through the worker, so the app's first load does not pay for it.

import type {
  AppConfig,
  ChatCompletionChunk,
  ChatCompletionRequestStreaming,
  Completion,
  CompletionCreateParamsStreaming,
  InitProgressCallback,
  MLCEngineInterface,
  ModelRecord,
} from '@mlc-ai/web-llm';

/** The part of WebLLM's MLCEngineInterface that Primer calls (streaming requests only). */
export interface WebLlmEngine {
  chat: {
    completions: { create(request: ChatCompletionRequestStreaming): Promise<AsyncIterable<ChatCompletionChunk>> };
  };
  completions: { create(request: CompletionCreateParamsStreaming): Promise<AsyncIterable<Completion>> };
  reload: MLCEngineInterface['reload'];
  unload: MLCEngineInterface['unload'];
  interruptGenerate: MLCEngineInterface['interruptGenerate'];
}

export interface EngineOptions {
  initProgressCallback: InitProgressCallback;
  appConfig: AppConfig;
  /** Aborting stops the load by ending the worker. */
  signal?: AbortSignal;
}

/** An engine whose worker has started and has no model yet. */
export interface SpawnedEngine {
  engine: WebLlmEngine;
  /** Ends the worker and everything it holds on the GPU. */
  terminate(): void;
  /** Rejects if the worker dies (its script failed to load, or it crashed); never resolves. */
  crashed: Promise<never>;
}

/** An engine with its model loaded. */
export type WebLlmHandle = SpawnedEngine;

export type CreateEngine = (modelId: string, options: EngineOptions) => Promise<WebLlmHandle>;

function abortError(): DOMException {
  return new DOMException('The WebLLM load was cancelled', 'AbortError');
}

/** Waits for `promise`, or rejects with an AbortError as soon as `signal` aborts. */
export async function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) throw abortError();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Loads `modelId` into a spawned engine. Whatever stops the load (an error, the worker dying, the signal)
 * ends the worker, so a failed start leaves nothing behind on the GPU.
 */
export async function loadEngine(spawned: SpawnedEngine, modelId: string, signal?: AbortSignal): Promise<WebLlmHandle> {
  try {
    await untilAborted(Promise.race([spawned.engine.reload(modelId), spawned.crashed]), signal);
    return spawned;
  } catch (err) {
    spawned.terminate();
    throw err;
  }
}

/** Starts the worker and the page-side client; `reload` then loads a model (equivalent to CreateWebWorkerMLCEngine). */
export async function spawnWorkerEngine(options: EngineOptions): Promise<SpawnedEngine> {
  const { WebWorkerMLCEngine } = await import('@mlc-ai/web-llm');
  const worker = new Worker(new URL('./webllm.worker.ts', import.meta.url), { type: 'module' });
  const crashed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event: ErrorEvent) => {
      const error = new Error(event.message || 'the WebLLM worker script failed to load');
      error.name = 'WorkerError';
      reject(error);
    });
  });
  crashed.catch(() => {}); // observed by whoever races it; a crash nobody waits on is not an unhandled rejection
  const engine = new WebWorkerMLCEngine(worker, {
    initProgressCallback: options.initProgressCallback,
    appConfig: options.appConfig,
  });
  return { engine, crashed, terminate: () => worker.terminate() };
}

/** The default engine factory: WebLLM in a Web Worker. */
export const createWorkerEngine: CreateEngine = async (modelId, options) =>
  loadEngine(await spawnWorkerEngine(options), modelId, options.signal);

/** WebLLM's prebuilt model list (the package is loaded on first use). */
export async function loadPrebuiltModelList(): Promise<readonly ModelRecord[]> {
  const { prebuiltAppConfig } = await import('@mlc-ai/web-llm');
  return prebuiltAppConfig.model_list;
}
