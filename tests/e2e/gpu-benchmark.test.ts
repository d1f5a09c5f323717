import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, openPage, startApp, type AppSession } from '../support/browser.ts';

const FIGURES = ['fma_gflops', 'membw_gbs', 'decode_tok_s', 'train_tok_s'];

describe('Benchmark this GPU, in headless Chromium', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('measures in the engine Worker, estimates notebook 00, and copies the same figures as JSON', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
    const { page, errors } = await openPage(app, '', context);
    await page.getByTestId('gpu-adapter').waitFor();
    await page.getByTestId('gpu-benchmark-run').click();
    const bench = page.getByTestId('gpu-benchmark');
    await page.waitForFunction(
      () =>
        ['done', 'failed'].includes(
          document.querySelector('[data-testid="gpu-benchmark"]')?.getAttribute('data-state') ?? '',
        ),
      undefined,
      { timeout: 120_000 },
    );
    expect(await page.getByTestId('gpu-benchmark-error').count()).toBe(0);
    expect(await bench.getAttribute('data-state')).toBe('done');

    const shown: Record<string, number> = {};
    for (const key of FIGURES) {
      shown[key] = Number(await page.getByTestId(`bench-${key}`).getAttribute('data-value'));
      expect(Number.isFinite(shown[key]), key).toBe(true);
      expect(shown[key], key).toBeGreaterThan(0);
    }
    const nb00 = page.locator('[data-notebook="00-start-here-offline"]');
    expect(await nb00.textContent()).toMatch(/should take about [\d,.]+ minutes here/);

    await page.getByTestId('gpu-benchmark-copy').click();
    await page.getByTestId('gpu-benchmark-copied').waitFor();
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    for (const key of FIGURES) expect(copied[key], key).toBe(shown[key]);
    expect(copied.notebook_minutes['00-start-here-offline']).toBeGreaterThan(0);

    await page.screenshot({ path: join(ARTIFACTS, 'gpu-benchmark.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 180_000);
});
