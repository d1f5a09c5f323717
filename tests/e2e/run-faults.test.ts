// Training runs that break in the middle, in headless Chromium with the app's real IndexedDB: a full disk
// while saving a checkpoint or a metric, a store so busy that a checkpoint waits (Cancel must still work),
// and how many checkpoints a run keeps. Also what a training cell shows before its first step ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openPage, startApp, type AppSession } from '../support/browser.ts';
import { editCell } from '../support/cellEdit.ts';
import {
  countRecords,
  failPutsAfter,
  holdStoreBusy,
  installQuotaFaults,
  putsTo,
  releaseStore,
  storedKeys,
} from '../support/storeFaults.ts';

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-faults.md';
const RUN = 'file-e2e-faults/rl';

async function openNotebook(app: AppSession): Promise<{ page: Page; errors: string[]; context: BrowserContext }> {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await installQuotaFaults(context);
  const { page, errors } = await openPage(app, '', context);
  await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
  await page.getByTestId('notebook').waitFor();
  return { page, errors, context };
}

function cell(page: Page, id: string, status?: string) {
  return page.locator(`[data-testid="cell-${id}"]${status ? `[data-status="${status}"]` : ''}`);
}

async function runUntil(page: Page, id: string, status: string, timeout = 300_000): Promise<void> {
  await page.getByTestId(`run-${id}`).click();
  await cell(page, id, status).waitFor({ timeout });
}

/** Waits until the run has stored `steps` steps' metrics. */
async function waitForSteps(page: Page, steps: number): Promise<void> {
  for (let i = 0; i < 600 && (await countRecords(page, 'metrics', RUN)) < steps; i++) await page.waitForTimeout(500);
  expect(await countRecords(page, 'metrics', RUN)).toBeGreaterThanOrEqual(steps);
}

describe('a training run that breaks in the middle', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('stops cleanly when a checkpoint cannot be saved, says what to free, and resumes from the last good one', async () => {
    const { page, context } = await openNotebook(app);
    await runUntil(page, 'tiny', 'done');
    await failPutsAfter(page, 'checkpoints', 2);
    await runUntil(page, 'rl', 'error');
    const error = await cell(page, 'rl').getByTestId('cell-error').textContent();
    expect(error).toMatch(/Storage is full: could not save checkpoint of run .* at step 3/);
    expect(error).toMatch(/Free space/);
    expect(error).toMatch(/resume from step 2/);
    expect(await page.getByTestId('run-rl').isEnabled()).toBe(true);

    await failPutsAfter(page, 'checkpoints', null);
    await runUntil(page, 'rl', 'done');
    expect(await cell(page, 'rl').textContent()).toMatch(/resumed from step 2/);
    await context.close();
  });

  it('stops the run when a metric cannot be saved, instead of losing points silently', async () => {
    const { page, errors, context } = await openNotebook(app);
    await runUntil(page, 'tiny', 'done');
    await failPutsAfter(page, 'metrics', 1);
    await runUntil(page, 'rl', 'error');
    expect(await cell(page, 'rl').getByTestId('cell-error').textContent()).toMatch(
      /Storage is full: could not save metrics of run .* step 1/,
    );
    expect(errors.filter((e) => /QuotaExceeded|Storage is full/.test(e))).toEqual([]);
    await context.close();
  });

  it('cancels a run while the worker waits for the page to store what it sent', async () => {
    const { page, context } = await openNotebook(app);
    await runUntil(page, 'tiny', 'done');
    await editCell(page, 'rl', 'steps: 6', 'steps: 40'); // long enough that it is still running whatever the machine's load
    await page.getByTestId('run-rl').click();
    await waitForSteps(page, 1);
    const other = await context.newPage(); // another tab keeps the database busy
    await other.goto(new URL('favicon.svg', app.url).href); // same origin, without the app
    await holdStoreBusy(other, 'checkpoints');
    // The next rollouts or checkpoint are sent and their save waits for the busy database; so does the worker.
    const sent = () => Promise.all([putsTo(page, 'traces'), putsTo(page, 'checkpoints')]).then(([t, c]) => t + c);
    const before = await sent();
    for (let i = 0; i < 600 && (await sent()) === before; i++) await page.waitForTimeout(500);
    await page.waitForTimeout(1000);
    expect(await cell(page, 'rl').getAttribute('data-status')).toBe('running');
    await cell(page, 'rl').getByRole('button', { name: 'Cancel' }).click();
    await cell(page, 'rl', 'cancelled').waitFor({ timeout: 20_000 });
    await releaseStore(other);
    await page.locator('[data-testid="run-rl"]:enabled').waitFor({ timeout: 30_000 });
    await context.close();
  });

  it('keeps only the newest two checkpoints as a run goes', async () => {
    const { page, context } = await openNotebook(app);
    await runUntil(page, 'tiny', 'done');
    await page.getByTestId('run-rl').click();
    await waitForSteps(page, 4);
    expect(await countRecords(page, 'checkpoints', RUN)).toBeLessThanOrEqual(2);
    await cell(page, 'rl', 'done').waitFor({ timeout: 300_000 });
    expect(await storedKeys(page, 'checkpoints')).toEqual([`["${RUN}",5]`, `["${RUN}",6]`]);
    await context.close();
  });

  it('shows at once what a training cell does, and progress within its first step with rate and time left', async () => {
    const { page, context } = await openNotebook(app);
    await runUntil(page, 'tiny', 'done');
    await runUntil(page, 'narrated', 'done');
    // Every text the progress bar shows, with the steps done at that moment.
    await page.evaluate(() => {
      const seen: string[] = [];
      (globalThis as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="cell-primed"] [role="progressbar"]');
        const text = bar ? `${bar.getAttribute('aria-valuenow')}|${bar.textContent?.replace(/\s+/g, ' ')}` : '';
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const clicked = Date.now();
    await page.getByTestId('run-primed').click();
    await page.getByTestId('progress-detail').waitFor({ timeout: 5_000 });
    expect(Date.now() - clicked).toBeLessThan(5_000);
    await cell(page, 'primed', 'done').waitFor({ timeout: 300_000 });
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
    const firstStep = seen.filter((s) => s.startsWith('0|'));
    expect(firstStep.some((s) => /tokenizing|preparing/.test(s))).toBe(true);
    expect(firstStep.some((s) => /step 1 of 1: micro-batch 2 of \d+ \([\d,]+ tokens\)/.test(s))).toBe(true);
    expect(firstStep.some((s) => /s each|\/s/.test(s) && /left/.test(s))).toBe(true);
    await context.close();
  });
});
