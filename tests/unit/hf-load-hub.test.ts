import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cachedModels } from '../../src/engine/load/hubCache.ts';
import { hubFileUrl, hubSource, type HubProgress } from '../../src/engine/load/hubSource.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { readAllWeights } from '../../src/engine/load/weights.ts';
import { buildTinyModel, weightsMismatch } from '../support/tinyModel.ts';
import { MemoryCacheStorage } from '../support/webllmCaches.ts';

// A local stand-in for huggingface.co serving tiny repos at /{owner}/{name}/resolve/{revision}/{file}; the
// "gated" repo needs the token. Real HTTP, real fetch: only the host differs.
const TOKEN = 'hf_test_token';
const repos = {
  'test/tiny-qwen': buildTinyModel({ arch: 'qwen2', layout: 'hf-sharded', dtype: 'bf16', seed: 60 }),
  'test/gated-llama': buildTinyModel({ arch: 'llama', layout: 'mlc-q4f16_1', seed: 61 }),
};
const requests: string[] = [];
let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const match = /^\/(.+)\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const repo = match ? repos[match[1] as keyof typeof repos] : undefined;
    if (match?.[1] === 'test/gated-llama' && req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('gated');
      return;
    }
    const file = repo?.files.find((f) => f.name === match![2]);
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': file.bytes.byteLength, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(file.bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Hugging Face repo over HTTP', () => {
  it('builds resolve URLs', () => {
    expect(hubFileUrl('https://huggingface.co/', 'Qwen/Qwen2.5-0.5B', 'main', 'config.json')).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-0.5B/resolve/main/config.json',
    );
  });

  it('loads a sharded bf16 checkpoint and reports download progress', async () => {
    const progress: HubProgress[] = [];
    const source = hubSource({ repo: 'test/tiny-qwen', endpoint, onProgress: (p) => progress.push(p) });
    const model = await openModel(source);
    const tiny = repos['test/tiny-qwen'];
    expect(model.config).toEqual(tiny.config);
    expect(weightsMismatch(await readAllWeights(model.weights), tiny.weights)).toBeNull();
    const last = progress.filter((p) => p.file === 'model-00001-of-00002.safetensors').at(-1)!;
    const size = tiny.files.find((f) => f.name === 'model-00001-of-00002.safetensors')!.bytes.byteLength;
    expect(last).toMatchObject({ bytes: size, total: size, secondsLeft: 0 });
    expect(last.rate).toBeGreaterThan(0);
    expect(requests).toContain('HEAD /test/tiny-qwen/resolve/main/tensor-cache.json');
  });

  it('sends the access token to a gated repo and explains a refusal without it', async () => {
    await expect(openModel(hubSource({ repo: 'test/gated-llama', endpoint }))).rejects.toThrow(
      /test\/gated-llama@main: access to tokenizer\.json denied \(HTTP 401\); a gated or private repo needs an access token/,
    );
    const model = await openModel(hubSource({ repo: 'test/gated-llama', endpoint, token: TOKEN }));
    const tiny = repos['test/gated-llama'];
    expect(weightsMismatch(await readAllWeights(model.weights), tiny.weights)).toBeNull();
  });

  it('says which file is missing and when the network fails', async () => {
    await expect(openModel(hubSource({ repo: 'test/nothing-here', endpoint }))).rejects.toThrow(
      /test\/nothing-here@main: cannot download config\.json \(HTTP 404\)/,
    );
    await expect(
      hubSource({ repo: 'test/tiny-qwen', endpoint: 'http://127.0.0.1:1' }).readText('config.json'),
    ).rejects.toThrow(
      /^test\/tiny-qwen@main is not in this device's cache: run this cell once while online to download it \(config\.json: .+\)$/,
    );
  });

  it('loads a model again with no network once it was loaded, files the repo lacks included', async () => {
    vi.stubGlobal('caches', new MemoryCacheStorage());
    try {
      await readAllWeights((await openModel(hubSource({ repo: 'test/tiny-qwen', endpoint }))).weights);
      const seen = requests.length;
      // Not one request, not even to ask whether generation_config.json or tensor-cache.json exist.
      vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
      const offline = await openModel(hubSource({ repo: 'test/tiny-qwen', endpoint }));
      expect(weightsMismatch(await readAllWeights(offline.weights), repos['test/tiny-qwen'].weights)).toBeNull();
      expect(requests.length).toBe(seen);
      await expect(openModel(hubSource({ repo: 'test/gated-llama', endpoint }))).rejects.toThrow(
        /^test\/gated-llama@main is not in this device's cache: run this cell once while online/,
      );
      const models = await cachedModels();
      expect(models.map((m) => m.repo)).toEqual(['test/tiny-qwen']);
      const total = repos['test/tiny-qwen'].files.reduce((n, f) => n + f.bytes.byteLength, 0);
      expect(models[0].bytes).toBe(total);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
