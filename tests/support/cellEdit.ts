// Edits a cell's parameters through the app's own cell editor, as a user would.
import type { Page } from 'playwright-core';

/** Replaces `from` with `to` in cell `cellId`'s YAML and saves it. */
export async function editCell(page: Page, cellId: string, from: string, to: string): Promise<void> {
  await page.locator(`[data-testid="cell-${cellId}"] button`, { hasText: 'Edit' }).click();
  const editor = page.locator(`[data-testid="cell-${cellId}"] textarea`);
  await editor.fill((await editor.inputValue()).replace(from, to));
  await page.locator(`[data-testid="cell-${cellId}"] button`, { hasText: 'Save' }).click();
}
