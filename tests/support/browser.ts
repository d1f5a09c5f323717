// e2e harness: the built app (dist/) served by `vite preview` on 127.0.0.1, and Debian's Chromium driven by
// playwright-core with WebGPU on (SwiftShader where there is no GPU). Console errors are collected so a
// test can assert there were none.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface AppSession {
  browser: Browser;
  server: PreviewServer;
  url: string;
  close(): Promise<void>;
}

/** Headless Chromium with WebGPU on; screenshots go to ARTIFACTS. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

export async function startApp(): Promise<AppSession> {
  const server = await preview({ preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  const browser = await launchBrowser();
  return {
    browser,
    server,
    url,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    },
  };
}

/**
 * A new page that records console errors and uncaught exceptions into `errors`: in a fresh browser context
 * (its own IndexedDB), or in `context` to see what an earlier page of it stored.
 */
export async function openPage(
  session: Pick<AppSession, 'browser' | 'url'>,
  path = '',
  context?: BrowserContext,
): Promise<{ page: Page; errors: string[] }> {
  const page = await (
    context ?? (await session.browser.newContext({ viewport: { width: 1280, height: 900 } }))
  ).newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(session.url + path);
  return { page, errors };
}
