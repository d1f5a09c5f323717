import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, openPage, startApp, type AppSession } from '../support/browser.ts';

describe('app shell in headless Chromium', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows the shipped notebooks and a WebGPU adapter, with no console errors', async () => {
    const { page, errors } = await openPage(app);
    await page.getByRole('heading', { name: 'Primer', level: 1 }).waitFor();
    const items = page.getByTestId('notebook-list').locator('li');
    expect(await items.count()).toBeGreaterThan(0);

    const panel = page.getByTestId('gpu-panel');
    await panel.locator('[data-testid="gpu-adapter"], [data-testid="gpu-unavailable"]').first().waitFor();
    expect(await panel.getAttribute('data-state')).toBe('ready');
    expect(await page.getByTestId('gpu-adapter').textContent()).toMatch(/\w+ · \w+/);

    await page.screenshot({ path: join(ARTIFACTS, 'shell.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
