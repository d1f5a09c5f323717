// Two tabs of Primer on the same browser profile (one IndexedDB, one set of Web Locks), in headless Chromium:
// a running cell belongs to the tab that runs it and the other tab says so plainly, and a tab whose database
// connection another tab closed (deleting or upgrading the database) reopens it or says to reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openPage, startApp, type AppSession } from '../support/browser.ts';
import { editCell } from '../support/cellEdit.ts';
import { countRecords } from '../support/storeFaults.ts';

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-faults.md';
const RUN = 'file-e2e-faults/rl';

/** Two pages of one browser context, both showing the imported notebook. */
async function twoTabs(app: AppSession): Promise<{ a: Page; b: Page; context: BrowserContext }> {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page: a } = await openPage(app, '', context);
  await a.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
  await a.getByTestId('notebook').waitFor();
  const { page: b } = await openPage(app, a.url().slice(app.url.length), context);
  await b.getByTestId('notebook').waitFor();
  return { a, b, context };
}

async function runUntil(page: Page, id: string, status: string): Promise<void> {
  await page.getByTestId(`run-${id}`).click();
  await page.locator(`[data-testid="cell-${id}"][data-status="${status}"]`).waitFor({ timeout: 300_000 });
}

describe('two tabs of the same notebook', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets one tab own a running cell and tells the other tab plainly', async () => {
    const { a, b, context } = await twoTabs(app);
    await runUntil(a, 'tiny', 'done');
    await editCell(a, 'rl', 'steps: 6', 'steps: 40'); // still running while the other tab looks, whatever the machine's speed
    await a.getByTestId('run-rl').click();
    for (let i = 0; i < 600 && (await countRecords(a, 'metrics', RUN)) < 1; i++) await a.waitForTimeout(500);

    await b.reload();
    const elsewhere = b.locator('[data-testid="cell-rl"][data-status="blocked"]');
    await elsewhere.waitFor({ timeout: 30_000 });
    expect(await elsewhere.getByTestId('cell-error').textContent()).toMatch(/running in another tab/);
    await runUntil(b, 'rl', 'error');
    expect(await b.getByTestId('cell-rl').getByTestId('cell-error').textContent()).toMatch(/running in another tab/);

    await a.locator('[data-testid="cell-rl"]').getByRole('button', { name: 'Cancel' }).click();
    await a.locator('[data-testid="cell-rl"][data-status="cancelled"]').waitFor({ timeout: 60_000 });
    await runUntil(b, 'narrated', 'done'); // the lock was only the running cell's
    await context.close();
  });

  it('reopens the database after another tab deleted it', async () => {
    const { a, b, context } = await twoTabs(app);
    await b.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase('primer');
          request.onsuccess = () => resolve();
          request.onerror = () => reject(request.error);
        }),
    );
    await runUntil(a, 'narrated', 'done');
    expect(await countRecords(a, 'outputs')).toBe(1);
    await context.close();
  });

  it('says to reload when another tab upgraded the database', async () => {
    const { a, b, context } = await twoTabs(app);
    await b.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('primer');
          open.onsuccess = () => {
            const version = open.result.version;
            open.result.close();
            const upgrade = indexedDB.open('primer', version + 1);
            upgrade.onsuccess = () => {
              upgrade.result.close();
              resolve();
            };
            upgrade.onerror = () => reject(upgrade.error);
          };
        }),
    );
    await runUntil(a, 'narrated', 'error');
    expect(await a.getByTestId('cell-narrated').getByTestId('cell-error').textContent()).toMatch(
      /updated in another tab.*reload this page/,
    );
    await context.close();
  });
});
