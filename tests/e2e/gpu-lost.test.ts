// The GPU device lost in the middle of a training run, in headless Chromium: the test destroys the engine
// Worker's device (as a driver reset would lose it); the run must stop at once, say which step a re-run
// resumes from, and the re-run must get a new device and resume from there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { openPage, startApp, type AppSession } from '../support/browser.ts';
import { countRecords } from '../support/storeFaults.ts';

declare global {
  var __devices: GPUDevice[] | undefined;
  /** Set: the next out-of-memory error scope popped reports this allocation failure. */
  var __outOfMemory: string | undefined;
}

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-faults.md';
const RUN = 'file-e2e-faults/rl';

/**
 * Makes the engine Worker's next out-of-memory error scope report a failed allocation when armed (as a GPU out
 * of memory does; the scopes themselves stay real and balanced).
 */
async function injectOutOfMemory(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const filters: GPUErrorFilter[] = [];
    const push = GPUDevice.prototype.pushErrorScope;
    const pop = GPUDevice.prototype.popErrorScope;
    GPUDevice.prototype.pushErrorScope = function (this: GPUDevice, filter: GPUErrorFilter) {
      filters.push(filter);
      return push.call(this, filter);
    };
    GPUDevice.prototype.popErrorScope = async function (this: GPUDevice) {
      const error = await pop.call(this);
      const message = globalThis.__outOfMemory;
      if (filters.pop() !== 'out-of-memory' || message === undefined) return error;
      globalThis.__outOfMemory = undefined;
      return new GPUOutOfMemoryError(message);
    };
  });
}

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
    const error = await rl.getByTestId('cell-error').textContent();
    expect(error).toMatch(/The GPU was reset.*run the cell again to resume from step [1-9]/);
    const said = error?.match(/resume from step (\d+)/);

    await page.getByTestId('run-rl').click();
    await page.locator('[data-testid="cell-rl"][data-status="done"]').waitFor({ timeout: 300_000 });
    const resumed = (await page.getByTestId('cell-rl').textContent())?.match(/resumed from step (\d+)/);
    expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(Number(said?.[1]));
    expect(await worker.evaluate(() => globalThis.__devices?.length)).toBe(2);
    await page.close();
  });

  it('stops a cell whose allocation ran out of GPU memory with the sizes involved, and runs it once memory is back', async () => {
    const { page } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    const worker = await engineWorker(page);
    await injectOutOfMemory(worker);
    await worker.evaluate(() => (globalThis.__outOfMemory = 'Out of memory (test)'));
    await page.getByTestId('run-tiny').click();
    const tiny = page.locator('[data-testid="cell-tiny"][data-status="error"]');
    await tiny.waitFor({ timeout: 120_000 });
    expect(await tiny.getByTestId('cell-error').textContent()).toMatch(
      /The GPU ran out of memory loading .*: an allocation failed after \d+ MB for this cell, on top of \d+ MB of loaded models \(Out of memory \(test\)\)/,
    );
    await page.getByTestId('run-tiny').click();
    await page.locator('[data-testid="cell-tiny"][data-status="done"]').waitFor({ timeout: 120_000 });
    await page.close();
  });
});
