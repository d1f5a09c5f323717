// A built app served as a static host (GitHub Pages) serves it: plain files under a path prefix ("/" or a
// sub-path such as "/primer/"), nothing rewritten. The folder can be swapped while it runs (a new build
// deployed at the same URL), and close() ends every connection, so the site is really gone (offline).
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.md': 'text/markdown',
};

export interface StaticSite {
  /** The site's address, ending in the prefix: http://127.0.0.1:PORT/primer/ */
  url: string;
  /** Serves another folder from now on (a new deployment). */
  deploy(folder: string): void;
  /** Every path asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

async function fileFor(folder: string, path: string): Promise<string | null> {
  const file = normalize(join(folder, decodeURIComponent(path)));
  if (!file.startsWith(normalize(folder))) return null;
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) return fileFor(folder, join(path, 'index.html'));
  return info?.isFile() ? file : null;
}

export async function serveStatic(folder: string, prefix = '/'): Promise<StaticSite> {
  let root = folder;
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    if (`${path}/` === prefix) return res.writeHead(301, { location: prefix }).end();
    const file = path.startsWith(prefix) ? await fileFor(root, path.slice(prefix.length)) : null;
    if (!file) return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.byteLength,
      // Nothing in the browser's HTTP cache, so that offline only the service worker can answer.
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    deploy: (next) => (root = next),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
