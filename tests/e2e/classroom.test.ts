// The classroom in headless Chromium: a sample cell's solutions grow on screen while it runs with the
// behaviors highlighted as they appear, the presentation fills the screen one step at a time, and the
// Students panel's QR code opens the notebook read-only in another browser.
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, openPage, startApp, type AppSession } from '../support/browser.ts';
import { scriptedModelFolder } from '../support/scriptedModel.ts';

const NOTEBOOK = 'tests/fixtures/notebooks/classroom.md';
/** Every token differs, so the scripted model can write it; "check: too high!" is a verification. */
const SCRIPT = ' Let me check: too high! Wrong path, so start over.\n';

const SIDE_BY_SIDE = 'tests/fixtures/notebooks/classroom-compare.md';
const COMPARE_LIVE = '[data-testid="cell-both"][data-status="running"]';
const LIVE = '[data-testid="cell-live"][data-status="running"] [data-testid="live-solution"] pre';

/** The longest solution text on screen under `selector` (0 when there is none). */
function longest(page: Page, selector: string): Promise<number> {
  return page.$$eval(selector, (els) => Math.max(0, ...els.map((e) => e.textContent?.length ?? 0)));
}

async function importAndRun(page: Page, folder: string): Promise<void> {
  await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
  await page.getByTestId('notebook').waitFor();
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('run-live').click();
  await (await chooser).setFiles(folder);
}

describe('the classroom', () => {
  let app: AppSession;
  let folder: string;
  beforeAll(async () => {
    app = await startApp();
    folder = await scriptedModelFolder(SCRIPT, '<think>');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('writes solutions live, with highlights before the cell finishes, then presents them', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 720 } });
    const { page, errors } = await openPage(app, '', context);
    await importAndRun(page, folder);

    // The text of a solution grows between two reads while the cell is still running.
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((e) => e.textContent), LIVE, {
      timeout: 300_000,
    });
    const first = await longest(page, LIVE);
    await page.waitForFunction(
      ([sel, n]) => [...document.querySelectorAll(sel as string)].some((e) => (e.textContent?.length ?? 0) > n),
      [LIVE, first] as const,
      { timeout: 120_000 },
    );
    // A highlight exists before the cell finishes.
    await page.locator(`${LIVE} mark.verification`).first().waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('live-rate').textContent()).toMatch(/\d[\d,]* tokens · \d+\.\d tokens\/s/);
    expect(Number(await page.locator('[data-testid="live-count-verification"]').first().textContent())).toBeGreaterThan(
      0,
    );
    await page.getByTestId('cell-live').screenshot({ path: join(ARTIFACTS, 'classroom-live.png') });
    await page.locator('[data-testid="cell-live"][data-status="done"]').waitFor({ timeout: 300_000 });

    // Present: fullscreen, no app chrome, one step at a time.
    await page.getByRole('button', { name: 'Present' }).click();
    await page.getByTestId('presenter').waitFor();
    await page.waitForFunction(() => document.fullscreenElement !== null);
    expect(await page.getByTestId('app-header').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Run all' }).count()).toBe(0);
    const number = page.getByTestId('slide-number');
    expect(await number.textContent()).toBe('1 / 4');
    await page.screenshot({ path: join(ARTIFACTS, 'slide-1-prose.png') });
    await page.keyboard.press('ArrowRight');
    expect(await number.textContent()).toBe('2 / 4');
    await page.keyboard.press('PageDown');
    expect(await number.textContent()).toBe('3 / 4');
    await page.keyboard.press('PageUp');
    expect(await number.textContent()).toBe('2 / 4');
    await page.keyboard.press('End');
    const slide = page.locator('[data-testid="slide"][data-cell="live"]');
    await slide.locator('[data-testid="solution"] mark.verification').first().waitFor();
    const size = await slide
      .locator('[data-testid="slide-output"] pre')
      .first()
      .evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    expect(size).toBeGreaterThanOrEqual(28);
    await page.screenshot({ path: join(ARTIFACTS, 'slide-2-solutions.png') });

    // "Run this cell" from the slide: the slide shows the solutions as they are written.
    await page.getByTestId('slide-run').click();
    await slide.locator('[data-testid="live-solution"] mark.verification').first().waitFor({ timeout: 300_000 });
    expect(await slide.getAttribute('data-status')).toBe('running');
    await page.screenshot({ path: join(ARTIFACTS, 'slide-3-live.png') });
    await page.locator('[data-testid="slide"][data-status="done"]').waitFor({ timeout: 300_000 });

    await page.keyboard.press('Escape');
    await page.getByTestId('presenter').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.fullscreenElement === null);
    expect(await page.getByTestId('app-header').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('streams two engine models side by side in a compare cell, each column counting its own behaviors', async () => {
    const checker = await scriptedModelFolder(' Let me check: too high!\n', '<think>');
    const planner = await scriptedModelFolder(' Let me work backward from the goal.\n', '<think>');
    const { page, errors } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(SIDE_BY_SIDE);
    await page.getByTestId('notebook').waitFor();
    for (const [cell, dir] of [
      ['checker', checker],
      ['planner', planner],
    ]) {
      const chooser = page.waitForEvent('filechooser');
      await page.getByTestId(`run-${cell}`).click();
      await (await chooser).setFiles(dir);
      await page.locator(`[data-testid="cell-${cell}"][data-status="done"]`).waitFor({ timeout: 120_000 });
    }
    await page.getByTestId('run-both').click();

    // Both columns hold text, and each its own highlight, while the cell is still running.
    const column = (i: number) => `${COMPARE_LIVE} [data-testid="live-column"]:nth-child(${i + 1})`;
    await page.waitForFunction(
      (sels) => sels.every((sel) => [...document.querySelectorAll(`${sel} pre`)].some((e) => e.textContent)),
      [column(0), column(1)],
      { timeout: 300_000 },
    );
    await page
      .locator(`${column(0)} pre mark.verification`)
      .first()
      .waitFor({ timeout: 120_000 });
    await page
      .locator(`${column(1)} pre mark.backward`)
      .first()
      .waitFor({ timeout: 120_000 });
    expect(await page.locator(`${COMPARE_LIVE} [data-testid="live-column"] h4`).allTextContents()).toEqual([
      'checker',
      'planner',
    ]);
    const count = (i: number, b: string) => page.locator(`${column(i)} [data-testid="live-count-${b}"]`).textContent();
    expect(Number(await count(0, 'verification'))).toBeGreaterThan(0);
    expect(Number(await count(1, 'backward'))).toBeGreaterThan(0);
    await page.getByTestId('cell-both').screenshot({ path: join(ARTIFACTS, 'classroom-side-by-side.png') });
    expect(await page.locator('[data-testid="cell-both"]').getAttribute('data-status')).toBe('running');

    await page.locator('[data-testid="cell-both"][data-status="done"]').waitFor({ timeout: 300_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows students a QR code of the notebook's link, which opens it read-only in another browser", async () => {
    const { page } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    await page.getByRole('button', { name: 'Students' }).click();
    const qr = page.getByTestId('students-qr');
    const shot = PNG.sync.read(await qr.screenshot({ path: join(ARTIFACTS, 'students-qr.png') }));
    const decoded = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height);
    const link = await page.getByTestId('students-link').inputValue();
    expect(decoded?.data).toBe(link);
    expect(link).toMatch(/#view=/);

    const student = await openPage(app, decoded!.data.slice(app.url.length));
    await student.page.getByTestId('run-yourself').waitFor();
    expect(await student.page.locator('h1, h2').allTextContents()).toContain('Does a model check its work?');
    expect(await student.page.locator('[data-testid^="cell-"][data-status]').count()).toBe(2);
    expect(await student.page.getByTestId('run-live').count()).toBe(0);
    await student.page.screenshot({ path: join(ARTIFACTS, 'student-view.png') });
    await student.page.getByTestId('run-yourself').click();
    await student.page.getByTestId('run-all').waitFor();
    expect(await student.page.getByTestId('run-live').isEnabled()).toBe(true);
    expect(student.page.url()).toMatch(/#\/nb\/link-shared/);
    expect(await student.page.locator('[data-testid^="cell-"][data-status]').count()).toBe(2);
    await student.page.close();
    await page.close();
  });
});
