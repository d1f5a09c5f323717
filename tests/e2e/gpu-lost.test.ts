// The GPU device lost in the middle of a training run, in headless Chromium: the test destroys the engine
// Worker's device (as a driver reset would lose it); the run must stop at once, say which step a re-run
// resumes from, and the re-run must get a new device and resume from there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { openPage, startApp, type AppSession } from '../support/browser.ts';
import { countRecords } from '../support/storeFaults.ts';

declare global {
  var __devices: GPUDevice[] | undefined;
}

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-faults.md';
const RUN = 'file-e2e-faults/rl';

/** The engine Worker, with every device it requests from now on kept where the test can reach it. */
async function engineWorker(page: Page): Promise<Worker> {
  const worker = page.workers().find((w) => /engine\.worker/.test(w.url())) ?? (await page.waitForEvent('worker'));
  await worker.evaluate(() => {
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, ...args) {
      const device = await request.apply(this, args);
      (globalThis.__devices ??= []).push(device);
      return device;
    };
  });
  return worker;
}

describe('a GPU device lost during a run', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('stops the run at once with the step to resume from, and the re-run resumes on a new device', async () => {
    const { page } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    const worker = await engineWorker(page);
    await page.getByTestId('run-tiny').click();
    await page.locator('[data-testid="cell-tiny"][data-status="done"]').waitFor({ timeout: 300_000 });
    await page.getByTestId('run-rl').click();
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="cell-rl"] [role="progressbar"]')?.getAttribute('aria-valuenow')) >=
        2,
      null,
      { timeout: 300_000 },
    );
    expect(await countRecords(page, 'checkpoints', RUN)).toBeGreaterThan(0);
    const lostAt = Date.now();
    expect(await worker.evaluate(() => globalThis.__devices?.length)).toBe(1);
    await worker.evaluate(() => globalThis.__devices!.at(-1)!.destroy());
    const rl = page.locator('[data-testid="cell-rl"][data-status="error"]');
    await rl.waitFor({ timeout: 30_000 });
    expect(Date.now() - lostAt).toBeLessThan(30_000);
    const said = (await rl.getByTestId('cell-error').textContent())?.match(
      /The GPU was reset.*run the cell again to resume from step (\d+)/,
    );
    expect(Number(said?.[1])).toBeGreaterThan(0);

    await page.getByTestId('run-rl').click();
    await page.locator('[data-testid="cell-rl"][data-status="done"]').waitFor({ timeout: 300_000 });
    const resumed = (await page.getByTestId('cell-rl').textContent())?.match(/resumed from step (\d+)/);
    expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(Number(said?.[1]));
    expect(await worker.evaluate(() => globalThis.__devices?.length)).toBe(2);
    await page.close();
  });
});
