// Re-running a cell that makes traces (a dataset, a sample) replaces its traces rather than adding to them,
// so the cells that read them (annotate, the sample's own list) count one run, in Chromium's IndexedDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, startApp, type AppSession } from '../support/browser.ts';
import { countTraces } from '../support/storeFaults.ts';

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-faults.md';
const ID = 'file-e2e-faults';

async function run(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid="run-${id}"]:enabled`).click();
  await page.locator(`[data-testid="cell-${id}"][data-status="done"]`).waitFor({ timeout: 300_000 });
}

// A cell's counts and list are read back from IndexedDB after it ends, so they are polled for.
const POLL = { timeout: 30_000 };

async function counted(page: Page, id: string): Promise<string> {
  return (await page.getByTestId(`cell-${id}`).textContent())?.match(/(\d+) solutions/)?.[1] ?? 'none';
}

describe('re-running a cell that makes traces', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('replaces a dataset cell’s traces, so annotate counts the new run only', async () => {
    const { page } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    await run(page, 'narrated-behaviors');
    await expect.poll(() => counted(page, 'narrated-behaviors'), POLL).toBe('6');
    for (let i = 0; i < 2; i++) {
      await run(page, 'narrated');
      await run(page, 'narrated-behaviors');
    }
    await expect.poll(() => counted(page, 'narrated-behaviors'), POLL).toBe('6');
    expect(await countTraces(page, ID, 'narrated')).toBe(6);
    await page.close();
  });

  it('replaces a sample cell’s traces, in its list and for annotate', async () => {
    const { page } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    await run(page, 'sample-behaviors');
    await run(page, 'samples');
    await run(page, 'sample-behaviors');
    await expect.poll(() => counted(page, 'sample-behaviors'), POLL).toBe('2');
    expect(await countTraces(page, ID, 'samples')).toBe(2);
    await expect
      .poll(() => page.locator('[data-testid="cell-samples"] [data-testid="solution"]').count(), POLL)
      .toBe(2);
    await page.close();
  });
});
