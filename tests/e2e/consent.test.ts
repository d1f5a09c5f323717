// Consent in the browser, with real IndexedDB: js cells run only in a notebook the user trusted (a restored
// backup claiming trust does not count), a backup never replaces a shipped notebook, and each share link
// becomes a notebook of its own (replacing one of the same title only when the user says so).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, startApp, type AppSession } from '../support/browser.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { encodeShareFragment } from '../../src/notebook/share.ts';
import { UNTRUSTED_JS } from '../../src/notebook/runner.ts';
import { DB_VERSION } from '../../src/store/migrations.ts';

/** The shipped "Start here" notebook's title, read from its file so the test follows the notebook. */
const START_HERE = parseNotebook(readFileSync('notebooks/00-start-here-offline.md', 'utf8')).meta.title ?? '';
const JS_NOTEBOOK = '---\ntitle: Runs code\n---\n\n```primer js\nid: code\n---\nreturn 6 * 7;\n```\n';

function notebookText(title: string, body: string): string {
  return `---\ntitle: ${title}\n---\n\n${body}\n`;
}

/** A backup file as an attacker would write it: every notebook claims to be trusted. */
function backup(notebooks: { id: string; title: string; source: string; origin: string }[]): string {
  const header = { type: 'primer-backup', format: 1, dbVersion: DB_VERSION, createdAt: 1 };
  const lines = notebooks.map((record) =>
    JSON.stringify({ type: 'notebooks', record: { ...record, trusted: true, createdAt: 1, updatedAt: 1 } }),
  );
  return [JSON.stringify(header), ...lines].join('\n') + '\n';
}

async function openListed(page: Page, title: string): Promise<void> {
  await page.getByTestId('notebook-list').locator('li').filter({ hasText: title }).first().click();
  await page.getByTestId('notebook').waitFor();
}

describe('consent and imports', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('runs js of a restored backup only after the user trusts it, and never replaces a shipped notebook', async () => {
    const { page, errors } = await openPage(app);
    await page.getByTestId('notebook-list').waitFor();
    const file = backup([
      { id: 'mine', title: 'Runs code', source: JS_NOTEBOOK, origin: 'user' },
      { id: '00-start-here-offline', title: 'Start here', source: JS_NOTEBOOK, origin: 'shipped' },
    ]);
    await page.getByLabel('Restore a backup').setInputFiles({
      name: 'backup.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from(file),
    });
    await page.getByText(/^Restored /).waitFor();
    const listed = page.getByTestId('notebook-list').locator('li');
    await listed.filter({ hasText: 'Start here (restored)' }).waitFor();

    await openListed(page, 'Runs code');
    await page.getByTestId('run-all').click();
    const cell = page.locator('[data-testid="cell-code"]');
    await cell.locator('[data-testid="cell-error"]').waitFor();
    expect(await cell.locator('[data-testid="cell-error"]').textContent()).toBe(UNTRUSTED_JS);
    await page.getByRole('button', { name: 'Trust this notebook' }).click();
    await page.getByTestId('run-all').click();
    await page.locator('[data-testid="cell-code"][data-status="done"]').waitFor();

    await page.reload(); // trust is remembered for this notebook
    await page.getByTestId('notebook').waitFor();
    expect(await page.getByRole('button', { name: 'Trust this notebook' }).count()).toBe(0);

    await page.goto(app.url);
    await openListed(page, START_HERE);
    expect(await page.locator('[data-testid="cell-code"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives each share link a notebook of its own, and replaces one of the same title only when asked', async () => {
    const link = async (body: string) => `#${await encodeShareFragment(notebookText('Shared twice', body))}`;
    const { page } = await openPage(app, await link('First.'));
    await page.getByTestId('notebook').waitFor();
    await page.getByText('First.').waitFor();

    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (asked.length === 1 ? dialog.dismiss() : dialog.accept());
    });
    await page.goto(app.url + (await link('Second.')));
    await page.getByText('Second.').waitFor();
    expect(asked[0]).toMatch(/already have a notebook titled "Shared twice"/);
    await page.goto(app.url);
    const shared = page.getByTestId('notebook-list').locator('li').filter({ hasText: 'Shared twice' });
    await shared.nth(1).waitFor();
    expect(await shared.count()).toBe(2);

    await page.goto(app.url + (await link('Third.')));
    await page.getByText('Third.').waitFor();
    expect(asked).toHaveLength(2);
    await page.goto(app.url);
    await shared.first().waitFor();
    expect(await shared.count()).toBe(2);
    await page.close();
  });
});
