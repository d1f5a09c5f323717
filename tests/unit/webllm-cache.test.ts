import { afterEach, describe, expect, it, vi } from 'vitest';
import { hubFileUrl, hubSource, PRIMER_CACHE } from '../../src/engine/load/hubSource.ts';
import { isMissingMarker } from '../../src/engine/load/hubCache.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { readAllWeights } from '../../src/engine/load/weights.ts';
import {
  adoptPrimerDownloads,
  areWeightsCached,
  webLlmCacheFor,
  webLlmFileUrl,
  webLlmModelUrl,
  WEBLLM_CONFIG_CACHE,
  WEBLLM_MODEL_CACHE,
} from '../../src/generators/webllm/cache.ts';
import { WebLlmGenerator } from '../../src/generators/webllm/generator.ts';
import { weightsMismatch } from '../support/tinyModel.ts';
import { MemoryCacheStorage } from '../support/webllmCaches.ts';
import { prebuiltModel, WebLlmStandIn } from '../support/webllmStandIn.ts';

const model = prebuiltModel('Qwen/Qwen2.5-0.5B-Instruct');
const REPO = `mlc-ai/${model.modelId}`;
const BASE = `https://huggingface.co/${REPO}/resolve/main/`;

afterEach(() => vi.unstubAllGlobals());

describe('MemoryCacheStorage (the Cache Storage subset WebLLM and Primer use)', () => {
  const url = 'https://example.org/a.bin';

  it('stores bodies whole and hands out a fresh Response on every match', async () => {
    const cache = await new MemoryCacheStorage().open('c');
    await cache.put(url, new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'x/y' } }));
    const first = await cache.match(new Request(url));
    expect(new Uint8Array(await first!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(await (await cache.match(url))!.arrayBuffer()).toHaveProperty('byteLength', 3);
    expect(first!.headers.get('content-type')).toBe('x/y');
    expect(await cache.match('https://example.org/a.bin?v=2')).toBeUndefined();
    expect(await cache.match('https://example.org/a.bin?v=2', { ignoreSearch: true })).toBeDefined();
  });

  it('keeps keys in insertion order, moves a replaced entry to the end, deletes by URL', async () => {
    const cache = await new MemoryCacheStorage().open('c');
    for (const name of ['a', 'b', 'a']) await cache.put(`https://x.org/${name}`, new Response(name));
    expect((await cache.keys()).map((r) => r.url)).toEqual(['https://x.org/b', 'https://x.org/a']);
    expect(await cache.delete('https://x.org/b')).toBe(true);
    expect(await cache.delete('https://x.org/b')).toBe(false);
    expect(await (await cache.match('https://x.org/a'))!.text()).toBe('a');
  });

  it('rejects what the browser rejects', async () => {
    const cache = await new MemoryCacheStorage(async () => new Response('gone', { status: 404 })).open('c');
    const used = new Response('x');
    await used.text();
    await expect(cache.put(url, used)).rejects.toThrow(TypeError);
    await expect(cache.put(url, new Response('x', { status: 206 }))).rejects.toThrow(/206/);
    await expect(cache.put(new Request(url, { method: 'POST' }), new Response('x'))).rejects.toThrow(/POST/);
    await expect(cache.add(url)).rejects.toThrow("Failed to execute 'add' on 'Cache': Request failed");
    expect(await cache.keys()).toEqual([]);
  });

  it('creates a cache only on open', async () => {
    const storage = new MemoryCacheStorage();
    expect(await storage.has('c')).toBe(false);
    await storage.open('c');
    expect(await storage.keys()).toEqual(['c']);
  });
});

describe('the cache key scheme WebLLM and the engine share', () => {
  it("resolves WebLLM's model URL to the Hugging Face resolve URL the engine's loader builds", () => {
    expect(webLlmModelUrl(model.record)).toBe(BASE);
    expect(webLlmModelUrl({ model: `https://huggingface.co/${REPO}/resolve/v1/` })).toBe(
      `https://huggingface.co/${REPO}/resolve/v1/`,
    );
    for (const file of ['mlc-chat-config.json', 'tensor-cache.json', 'params_shard_0.bin', 'tokenizer.json']) {
      expect(webLlmFileUrl(model.record, file)).toBe(hubFileUrl('https://huggingface.co', REPO, 'main', file));
    }
    expect(webLlmCacheFor('mlc-chat-config.json')).toBe('webllm/config');
    expect(webLlmCacheFor('params_shard_3.bin')).toBe('webllm/model');
  });

  it('knows a model is cached once WebLLM has loaded it, and not when a shard is missing', async () => {
    const standIn = new WebLlmStandIn();
    standIn.publishTiny(model.record);
    expect(await areWeightsCached(standIn.caches, model.record)).toBe(false);
    expect(await standIn.caches.keys()).toEqual([]);
    await new WebLlmGenerator({ model, createEngine: standIn.createEngine, caches: null }).load();
    expect(await areWeightsCached(standIn.caches, model.record)).toBe(true);
    await (await standIn.caches.open(WEBLLM_MODEL_CACHE)).delete(`${BASE}params_shard_1.bin`);
    expect(await areWeightsCached(standIn.caches, model.record)).toBe(false);
  });

  it("lets the engine's loader read what WebLLM downloaded, with no network traffic for weights", async () => {
    const standIn = new WebLlmStandIn();
    const tiny = standIn.publishTiny(model.record);
    await new WebLlmGenerator({ model, createEngine: standIn.createEngine, caches: null }).load();
    standIn.fetched.length = 0;
    vi.stubGlobal('caches', standIn.caches);
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => standIn.fetch(new Request(input, init)));
    const loaded = await openModel(hubSource({ repo: REPO }));
    expect(weightsMismatch(await readAllWeights(loaded.weights), tiny.weights)).toBeNull();
    const weightFiles = ['mlc-chat-config.json', 'tensor-cache.json', 'params_shard_'];
    expect(standIn.fetched.filter((u) => weightFiles.some((f) => u.startsWith(`${BASE}${f}`)))).toEqual([]);
    // WebLLM never downloads these small files; the engine fetches them itself, and notes that the repo has
    // no config.json (an MLC repo), so that an offline load need not ask.
    const primer = await standIn.caches.open(PRIMER_CACHE);
    const stored = { files: [] as string[], missing: [] as string[] };
    for (const r of await primer.keys())
      stored[isMissingMarker((await primer.match(r))!) ? 'missing' : 'files'].push(r.url.slice(BASE.length));
    expect(stored.files.sort()).toEqual(['generation_config.json', 'tokenizer_config.json']);
    expect(stored.missing).toEqual(['config.json']);
  });

  it("hands the engine's downloads to WebLLM before it loads, so nothing is downloaded twice", async () => {
    const standIn = new WebLlmStandIn();
    const tiny = standIn.publishTiny(model.record);
    vi.stubGlobal('caches', standIn.caches);
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => standIn.fetch(new Request(input, init)));
    await readAllWeights((await openModel(hubSource({ repo: REPO }))).weights);
    const primer = await standIn.caches.open(PRIMER_CACHE);
    const engineFiles = (await primer.keys()).map((r) => r.url);
    expect(engineFiles).toContain(`${BASE}params_shard_0.bin`);
    standIn.fetched.length = 0;

    // The note that the repo has no config.json stays with Primer.
    expect(await adoptPrimerDownloads(standIn.caches, model.record)).toHaveLength(engineFiles.length - 1);
    await new WebLlmGenerator({ model, createEngine: standIn.createEngine, caches: standIn.caches }).load();
    expect(standIn.fetched.filter((u) => u.startsWith(BASE))).toEqual([]);
    expect((await primer.keys()).map((r) => r.url)).toEqual([`${BASE}config.json`]);
    expect(await (await standIn.caches.open(WEBLLM_CONFIG_CACHE)).match(`${BASE}mlc-chat-config.json`)).toBeDefined();
    // The engine still finds every file, now in WebLLM's caches.
    standIn.fetched.length = 0;
    const again = await openModel(hubSource({ repo: REPO }));
    expect(weightsMismatch(await readAllWeights(again.weights), tiny.weights)).toBeNull();
    expect(standIn.fetched.filter((u) => u.includes('params_shard_') || u.endsWith('tensor-cache.json'))).toEqual([]);
  });
});
