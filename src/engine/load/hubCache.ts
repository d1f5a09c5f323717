// The browser's copies of Hub files: Primer's own cache ("primer-models") and WebLLM's, keyed by the files'
// URLs ({endpoint}/{repo}/resolve/{revision}/{file}). A file the Hub does not have is remembered too (an
// empty entry marked "missing"), so that a model loaded once online opens again offline without asking the
// network which optional files (generation_config.json, ...) exist.

export const PRIMER_CACHE = 'primer-models';
export const WEBLLM_CACHES = ['webllm/model', 'webllm/config'] as const;
const MODEL_CACHES = [PRIMER_CACHE, ...WEBLLM_CACHES];
const MISSING_HEADER = 'x-primer-missing';

function cacheStorage(): CacheStorage | null {
  return typeof caches === 'undefined' ? null : caches;
}

export interface CachedFile {
  /** false: the Hub answered 404 for this file when it was asked. */
  exists: boolean;
  response: Response;
}

/** A cached file from our cache or WebLLM's; caches that do not exist are not created. */
export async function findCached(url: string): Promise<CachedFile | null> {
  const storage = cacheStorage();
  if (!storage) return null;
  for (const name of MODEL_CACHES) {
    if (!(await storage.has(name))) continue;
    const hit = await (await storage.open(name)).match(url);
    if (hit) return { exists: !isMissingMarker(hit), response: hit };
  }
  return null;
}

export function isMissingMarker(response: Response): boolean {
  return response.headers.get(MISSING_HEADER) !== null;
}

export async function rememberMissing(url: string): Promise<void> {
  const storage = cacheStorage();
  if (!storage) return;
  await (await storage.open(PRIMER_CACHE)).put(url, new Response('', { headers: { [MISSING_HEADER]: '1' } }));
}

export interface CachedModel {
  /** The repo id, e.g. "Qwen/Qwen2.5-0.5B-Instruct". */
  repo: string;
  bytes: number;
}

const HUB_FILE_URL = /\/([^/]+\/[^/]+)\/resolve\/[^/]+\/.+$/;

/** Every Hub repo with files on this device, and how many bytes they take, largest first. */
export async function cachedModels(): Promise<CachedModel[]> {
  const storage = cacheStorage();
  if (!storage) return [];
  const bytes = new Map<string, number>();
  for (const name of MODEL_CACHES) {
    if (!(await storage.has(name))) continue;
    const cache = await storage.open(name);
    for (const request of await cache.keys()) {
      const repo = HUB_FILE_URL.exec(new URL(request.url).pathname)?.[1];
      const response = repo && (await cache.match(request));
      if (!response || isMissingMarker(response)) continue;
      bytes.set(repo, (bytes.get(repo) ?? 0) + (await response.blob()).size);
    }
  }
  return [...bytes].map(([repo, size]) => ({ repo, bytes: size })).sort((a, b) => b.bytes - a.bytes);
}
