// Cache Storage in memory, for Node (which has none): the subset of the Service Worker cache algorithms
// that WebLLM's ArtifactCache and Primer's loaders use, on real Request and Response objects.
// - Entries are keyed by the request's absolute URL, GET only, in insertion order; put() replaces an entry
//   by moving it to the end, as the spec's "put" batch operation does.
// - put() reads the whole body and rejects a used body, a 206 response or a non-GET request (TypeError).
// - match() returns a fresh Response each time, so its body can be read again and again.
// - add() fetches with the injected fetch and rejects a response that is not ok with Chrome's message.
// - options: ignoreSearch and ignoreMethod are honoured; Vary is not.

type Fetcher = (request: Request) => Promise<Response>;

interface Entry {
  request: Request;
  body: Uint8Array;
  init: ResponseInit;
}

function toRequest(input: RequestInfo | URL): Request {
  return input instanceof Request ? input : new Request(input);
}

function sameUrl(a: string, b: string, ignoreSearch: boolean): boolean {
  if (!ignoreSearch) return a === b;
  const strip = (u: string) => ((x) => `${x.origin}${x.pathname}`)(new URL(u));
  return strip(a) === strip(b);
}

export class MemoryCache implements Cache {
  private entries: Entry[] = [];

  constructor(private readonly fetcher: Fetcher) {}

  private find(input: RequestInfo | URL | undefined, options: CacheQueryOptions = {}): Entry[] {
    if (input === undefined) return [...this.entries];
    const request = toRequest(input);
    if (request.method !== 'GET' && !options.ignoreMethod) return [];
    return this.entries.filter((e) => sameUrl(e.request.url, request.url, options.ignoreSearch ?? false));
  }

  async match(input: RequestInfo | URL, options?: CacheQueryOptions): Promise<Response | undefined> {
    return (await this.matchAll(input, options))[0];
  }

  async matchAll(input?: RequestInfo | URL, options?: CacheQueryOptions): Promise<readonly Response[]> {
    return this.find(input, options).map((e) => new Response(e.body.slice(), e.init));
  }

  async keys(input?: RequestInfo | URL, options?: CacheQueryOptions): Promise<readonly Request[]> {
    return this.find(input, options).map((e) => new Request(e.request.url));
  }

  async put(input: RequestInfo | URL, response: Response): Promise<void> {
    const request = toRequest(input);
    if (request.method !== 'GET')
      throw new TypeError(`Failed to execute 'put' on 'Cache': Request method '${request.method}' is unsupported`);
    if (response.status === 206)
      throw new TypeError("Failed to execute 'put' on 'Cache': Partial response (status code 206) is unsupported");
    if (response.bodyUsed) throw new TypeError("Failed to execute 'put' on 'Cache': Response body is already used");
    const body = new Uint8Array(await response.arrayBuffer());
    const init = { status: response.status, statusText: response.statusText, headers: [...response.headers] };
    this.entries = [...this.entries.filter((e) => e.request.url !== request.url), { request, body, init }];
  }

  async add(input: RequestInfo | URL): Promise<void> {
    await this.addAll([input]);
  }

  /** Fetches every request, then stores all of them or none. */
  async addAll(inputs: Iterable<RequestInfo | URL>): Promise<void> {
    const requests = [...inputs].map(toRequest);
    const responses = await Promise.all(requests.map((r) => this.fetcher(r)));
    if (responses.some((r) => !r.ok)) throw new TypeError("Failed to execute 'add' on 'Cache': Request failed");
    for (const [i, response] of responses.entries()) await this.put(requests[i], response);
  }

  async delete(input: RequestInfo | URL, options?: CacheQueryOptions): Promise<boolean> {
    const doomed = new Set(this.find(input, options));
    this.entries = this.entries.filter((e) => !doomed.has(e));
    return doomed.size > 0;
  }
}

export class MemoryCacheStorage implements CacheStorage {
  private readonly named = new Map<string, MemoryCache>();

  /** `fetcher` is what Cache.add() downloads with (the page's fetch in a browser). */
  constructor(private readonly fetcher: Fetcher = (request) => fetch(request)) {}

  async open(name: string): Promise<MemoryCache> {
    let cache = this.named.get(name);
    if (!cache) {
      cache = new MemoryCache(this.fetcher);
      this.named.set(name, cache);
    }
    return cache;
  }

  async has(name: string): Promise<boolean> {
    return this.named.has(name);
  }

  async delete(name: string): Promise<boolean> {
    return this.named.delete(name);
  }

  async keys(): Promise<string[]> {
    return [...this.named.keys()];
  }

  async match(input: RequestInfo | URL, options?: MultiCacheQueryOptions): Promise<Response | undefined> {
    const names = options?.cacheName === undefined ? [...this.named.keys()] : [options.cacheName];
    for (const name of names) {
      const hit = await this.named.get(name)?.match(input, options);
      if (hit) return hit;
    }
    return undefined;
  }
}
