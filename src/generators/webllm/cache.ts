// Where WebLLM keeps a model's files, and how Primer's engine and WebLLM share them. With cacheBackend
// "cache" WebLLM stores every file in Cache Storage keyed by its Hugging Face URL,
//   https://huggingface.co/mlc-ai/<model_id>/resolve/main/<file>
// mlc-chat-config.json in "webllm/config"; tensor-cache.json, params_shard_*.bin and the tokenizer files in
// "webllm/model" (the model library .wasm goes to "webllm/wasm"). Primer's loader (engine/load/hubSource.ts)
// builds the same URLs, reads "primer-models" then both WebLLM caches, and writes only "primer-models".
// So what WebLLM downloaded, the engine reads as is; what the engine downloaded, WebLLM would fetch again,
// because it looks only in its own caches: adoptPrimerDownloads moves those files over before WebLLM loads
// (the engine still finds them there), so each file is downloaded and stored once.

import type { ModelRecord } from '@mlc-ai/web-llm';
import { isMissingMarker, PRIMER_CACHE, WEBLLM_CACHES } from '../../engine/load/hubCache.ts';

export const [WEBLLM_MODEL_CACHE, WEBLLM_CONFIG_CACHE] = WEBLLM_CACHES;
const TENSOR_INDEX = 'tensor-cache.json';
const CHAT_CONFIG = 'mlc-chat-config.json';

/** The subset of Cache that Primer uses; the browser's Cache satisfies it. */
export interface CacheLike {
  match(request: RequestInfo | URL): Promise<Response | undefined>;
  put(request: RequestInfo | URL, response: Response): Promise<void>;
  delete(request: RequestInfo | URL): Promise<boolean>;
  keys(): Promise<readonly Request[]>;
}

/** The subset of CacheStorage that Primer uses; the browser's `caches` satisfies it. */
export interface CacheStorageLike {
  has(name: string): Promise<boolean>;
  open(name: string): Promise<CacheLike>;
}

/** The model's base URL as WebLLM resolves ModelRecord.model: a trailing slash and "resolve/main/" unless given. */
export function webLlmModelUrl(record: Pick<ModelRecord, 'model'>): string {
  let url = record.model.endsWith('/') ? record.model : `${record.model}/`;
  if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/';
  return new URL(url).href;
}

/** The Cache Storage key of one of the model's files. */
export function webLlmFileUrl(record: Pick<ModelRecord, 'model'>, file: string): string {
  return new URL(file, webLlmModelUrl(record)).href;
}

/** The cache a file of the model lives in. */
export function webLlmCacheFor(file: string): string {
  return file === CHAT_CONFIG ? WEBLLM_CONFIG_CACHE : WEBLLM_MODEL_CACHE;
}

/** Opens a cache only if it exists: asking must not create empty caches. */
async function openExisting(storage: CacheStorageLike, name: string): Promise<CacheLike | null> {
  return (await storage.has(name)) ? storage.open(name) : null;
}

/** The shard files that tensor-cache.json lists. */
async function shardFiles(index: Response, url: string): Promise<string[]> {
  const json: unknown = await index.json();
  const records = (json as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) throw new Error(`${url}: expected {"records": [shard, ...]}`);
  return records.map((shard: { dataPath?: unknown }, i) => {
    if (typeof shard?.dataPath !== 'string') throw new Error(`${url}: shard ${i} has no "dataPath"`);
    return shard.dataPath;
  });
}

/** Whether WebLLM would load the weights without downloading: the index and every shard it lists are cached. */
export async function areWeightsCached(
  storage: CacheStorageLike,
  record: Pick<ModelRecord, 'model'>,
): Promise<boolean> {
  const cache = await openExisting(storage, WEBLLM_MODEL_CACHE);
  const indexUrl = webLlmFileUrl(record, TENSOR_INDEX);
  const index = await cache?.match(indexUrl);
  if (!cache || !index) return false;
  const cached = new Set((await cache.keys()).map((request) => request.url));
  return (await shardFiles(index, indexUrl)).every((file) => cached.has(webLlmFileUrl(record, file)));
}

/**
 * Moves the model's files that Primer's loader stored in "primer-models" into the WebLLM cache each belongs
 * in (dropping Primer's copy where WebLLM has the file already); returns the names of the files handed over.
 * Primer's notes of files the repo lacks stay where they are.
 */
export async function adoptPrimerDownloads(
  storage: CacheStorageLike,
  record: Pick<ModelRecord, 'model'>,
): Promise<string[]> {
  const primer = await openExisting(storage, PRIMER_CACHE);
  if (!primer) return [];
  const base = webLlmModelUrl(record);
  const moved: string[] = [];
  for (const request of await primer.keys()) {
    if (!request.url.startsWith(base)) continue;
    const file = request.url.slice(base.length);
    const response = await primer.match(request);
    if (response && isMissingMarker(response)) continue; // WebLLM never asks for a file the repo lacks
    const target = await storage.open(webLlmCacheFor(file));
    if (response && !(await target.match(request.url))) await target.put(request.url, response);
    await primer.delete(request);
    moved.push(file);
  }
  return moved;
}
