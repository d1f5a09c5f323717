// The built app's Content-Security-Policy and the js cell sandbox, in headless Chromium: the page may fetch
// only from the hosts Primer uses, and a trusted js cell runs in a Worker that has no storage, no network and
// no page, yet still gets its inputs and the nb API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startApp, type AppSession } from '../support/browser.ts';

describe('content security policy and js cells', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets the page load its own scripts and talk only to the hosts Primer uses', async () => {
    const { page, errors } = await openPage(app);
    await page.getByTestId('notebook-list').waitFor();
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(policy).toMatch(/script-src 'self' 'wasm-unsafe-eval';/);
    expect(policy).toMatch(/connect-src 'self' https:\/\/huggingface.co .*https:\/\/api.anthropic.com/);
    const refused = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) =>
            resolve(`${e.violatedDirective} ${e.blockedURI}`),
          );
          fetch('https://example.org/collect').catch(() => undefined);
        }),
    );
    expect(refused).toBe('connect-src https://example.org/collect');
    expect(errors.filter((e) => !e.includes('example.org'))).toEqual([]);
    expect(await page.getByTestId('keys-remember').textContent()).toMatch(
      /not encrypted[\s\S]*js cells cannot read them/,
    );
    await page.context().close();
  });

  it('runs a trusted js cell in a worker without storage, network or page, with its inputs and the nb API', async () => {
    const { page, errors } = await openPage(app);
    // The service worker serves the cell's worker with its own policy once it controls the page.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
    await page.getByTestId('import-notebook').setInputFiles('tests/fixtures/notebooks/js-sandbox.md');
    await page.getByTestId('notebook').waitFor();
    await page.getByRole('button', { name: 'Trust this notebook' }).click();
    await page.getByTestId('run-all').click();
    await page.locator('[data-testid="cell-probe"][data-status="done"]').waitFor({ timeout: 120_000 });
    const shown = JSON.parse((await page.getByTestId('cell-probe').locator('pre.json').textContent())!);
    expect(shown.reach).toEqual({
      document: 'undefined',
      fetch: 'undefined',
      XMLHttpRequest: 'undefined',
      WebSocket: 'undefined',
      indexedDB: 'undefined',
      caches: 'undefined',
      Worker: 'undefined',
      importScripts: 'undefined',
    });
    expect(shown.imported).toBe('refused');
    expect(shown.violations).toContain('script-src-elem');
    expect([shown.problems, shown.traces, shown.rewards]).toEqual([2, 3, [1, 1, 1]]);
    expect(errors.filter((e) => !e.includes('127.0.0.1:9'))).toEqual([]);
    await page.context().close();
  });
});
