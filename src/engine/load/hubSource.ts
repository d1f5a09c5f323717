// Model files from a Hugging Face repo over HTTPS: {endpoint}/{repo}/resolve/{revision}/{file}.
// In the browser every downloaded file is kept in Cache Storage ("primer-models"), and so is the fact that a
// file does not exist, so a second load, or an offline one, needs no network; files WebLLM already downloaded
// (caches "webllm/model" and "webllm/config", keyed by the same URLs) are read from there too (hubCache.ts).
// Cached files are read as Blobs, lazily, a slice at a time. Without Cache Storage (Node) a file is
// downloaded into memory.

import { blobSource, memorySource, type ByteSource } from './byteSource.ts';
import { findCached, PRIMER_CACHE, rememberMissing } from './hubCache.ts';
import { missingFile, type ModelSource } from './source.ts';

export { PRIMER_CACHE, WEBLLM_CACHES } from './hubCache.ts';

export interface HubProgress {
  file: string;
  bytes: number;
  /** null when the server does not say how long the file is. */
  total: number | null;
  /** Bytes per second since this file's download started. */
  rate: number;
  secondsLeft: number | null;
}

export interface HubOptions {
  repo: string;
  revision?: string;
  /** A Hugging Face access token, for gated or private repos; sent as a Bearer token. */
  token?: string;
  /** Defaults to https://huggingface.co (tests point it at a local server). */
  endpoint?: string;
  onProgress?: (progress: HubProgress) => void;
}

export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint.replace(/\/$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

function cacheStorage(): CacheStorage | null {
  return typeof caches === 'undefined' ? null : caches;
}

/** Counts bytes as they stream past and reports progress at most every 100 ms (and at the end). */
function progressCounter(
  file: string,
  total: number | null,
  report: (p: HubProgress) => void,
): TransformStream<Uint8Array, Uint8Array> {
  const started = performance.now();
  let bytes = 0;
  let lastReport = 0;
  const emit = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? bytes / seconds : 0;
    const secondsLeft = total === null || rate === 0 ? null : Math.max(0, total - bytes) / rate;
    report({ file, bytes, total, rate, secondsLeft });
  };
  return new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (performance.now() - lastReport > 100) {
        lastReport = performance.now();
        emit();
      }
      controller.enqueue(chunk);
    },
    flush: emit,
  });
}

export function hubSource(options: HubOptions): ModelSource {
  const { repo, token, onProgress } = options;
  const url = (file: string) =>
    hubFileUrl(options.endpoint ?? 'https://huggingface.co', repo, options.revision ?? 'main', file);
  const name = `${repo}@${options.revision ?? 'main'}`;

  const request = async (file: string, method: 'GET' | 'HEAD'): Promise<Response> => {
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    let response: Response;
    try {
      response = await fetch(url(file), { method, headers });
    } catch (err) {
      const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
      throw new Error(
        `${name} is not in this device's cache${offline ? ' and the browser is offline' : ''}: ` +
          `run this cell once while online to download it (${file}: ${(err as Error).message})`,
        { cause: err },
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new Error(
        `${name}: access to ${file} denied (HTTP ${response.status}); a gated or private repo needs an access token`,
      );
    }
    return response;
  };

  /** Downloads a file, through Cache Storage where there is one, and returns its bytes as a Blob or array. */
  const download = async (file: string): Promise<Blob | Uint8Array> => {
    const response = await request(file, 'GET');
    if (!response.ok || !response.body) throw new Error(`${name}: cannot download ${file} (HTTP ${response.status})`);
    const length = response.headers.get('content-length');
    const total = length === null ? null : Number(length);
    const counted = response.body.pipeThrough(progressCounter(file, total, onProgress ?? (() => {})));
    const storage = cacheStorage();
    if (!storage) return new Uint8Array(await new Response(counted).arrayBuffer());
    const cache = await storage.open(PRIMER_CACHE);
    // Only the type is kept: a compressed transfer's content-length would not match the decoded body.
    const headers = { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream' };
    await cache.put(url(file), new Response(counted, { headers })).catch((err: Error) => {
      throw new Error(
        `${name}: cannot store ${file} in the browser cache (${err.message}); is the disk or the site's quota full?`,
      );
    });
    const stored = await cache.match(url(file));
    if (!stored) throw new Error(`${name}: ${file} vanished from the browser cache right after it was stored`);
    return stored.blob();
  };

  const fetchFile = async (file: string): Promise<Blob | Uint8Array> => {
    const cached = await findCached(url(file));
    if (cached && !cached.exists) throw missingFile(source, file);
    return cached ? cached.response.blob() : download(file);
  };

  const source: ModelSource = {
    name,
    async has(file) {
      const cached = await findCached(url(file));
      if (cached) return cached.exists;
      const response = await request(file, 'HEAD');
      if (response.ok) return true;
      if (response.status === 404) {
        await rememberMissing(url(file));
        return false;
      }
      throw new Error(`${name}: cannot check for ${file} (HTTP ${response.status})`);
    },
    async readText(file) {
      const data = await fetchFile(file);
      return data instanceof Uint8Array ? new TextDecoder().decode(data) : data.text();
    },
    async open(file): Promise<ByteSource> {
      const data = await fetchFile(file);
      return data instanceof Uint8Array ? memorySource(data, `${name}/${file}`) : blobSource(data, `${name}/${file}`);
    },
  };
  return source;
}
