// Scale-out in the app: an rl cell exported as a job zip for TRL (its priming traces from the store), and a veRL
// results folder imported as a run that the notebook's chart and compare cells then draw beside their own results.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, openPage, startApp, type AppSession } from '../support/browser.ts';
import { writeVerlRun } from '../support/runFolders.ts';

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-scaleout.md';

async function runCell(page: Page, cellId: string): Promise<void> {
  await page.getByTestId(`run-${cellId}`).click();
  await page.locator(`[data-testid="cell-${cellId}"][data-status="done"]`).waitFor({ timeout: 120_000 });
}

describe('scale-out in the app', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("exports an rl cell as a TRL job zip, and imports a veRL run beside the notebook's results", async () => {
    const { page, errors } = await openPage(app);
    await page.getByTestId('import-notebook').setInputFiles(NOTEBOOK);
    await runCell(page, 'narrated');
    await runCell(page, 'curve');
    await runCell(page, 'final');
    const chart = page.locator('[data-testid="cell-curve"] [data-testid="chart"]');
    expect(await chart.getAttribute('data-series')).toBe('narrated');

    // Export: a scratch model has no hub repo, so the cell says so until one is given.
    await page.getByTestId('export-job-rl_primed').click();
    const panel = page.locator('[data-testid="cell-rl_primed"]');
    await panel.getByTestId('export-job-engine').selectOption('trl');
    await panel.getByTestId('export-job-download').click();
    await expect.poll(() => panel.getByTestId('export-job-error').textContent()).toMatch(/--model HF_REPO/);
    await panel.getByPlaceholder("the model cell's hub repo").fill('Qwen/Qwen2.5-0.5B');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByTestId('export-job-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe('rl_primed-trl-job.zip');
    const zipPath = join(await mkdtemp(join(tmpdir(), 'primer-zip-')), 'job.zip');
    await download.saveAs(zipPath);
    const files = unzipSync(new Uint8Array(await readFile(zipPath)));
    const text = (path: string) => new TextDecoder().decode(files[`rl_primed-trl/${path}`]);
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.md',
        'accelerate_zero3.yaml',
        'countdown_reward.py',
        'countdown_reward_cases.jsonl',
        'data/prime_train.jsonl',
        'data/prime_val.jsonl',
        'data/rl_test.jsonl',
        'data/rl_train.jsonl',
        'grpo.py',
        'primer-job.json',
        'sft.py',
      ].map((f) => `rl_primed-trl/${f}`),
    );
    expect(text('data/prime_train.jsonl').trim().split('\n')).toHaveLength(10);
    expect(text('data/rl_train.jsonl').trim().split('\n')).toHaveLength(16);
    expect(text('grpo.py')).toContain('loss_type="dr_grpo"');
    expect(text('grpo.py')).toContain('"Qwen/Qwen2.5-0.5B"');

    // Import: the folder a veRL run leaves, picked as a directory.
    const runDir = await mkdtemp(join(tmpdir(), 'primer-verl-run-'));
    writeVerlRun(runDir);
    await page.getByTestId('import-run-input').setInputFiles(runDir);
    await expect
      .poll(() => page.getByTestId('import-run-note').textContent(), { timeout: 60_000 })
      .toMatch(/Imported rl_primed \(verl\): 3 steps, 18 generations \(18 annotated\)/);
    await expect
      .poll(() => chart.getAttribute('data-series'), { timeout: 60_000 })
      .toBe('narrated | imported: rl_primed (verl)');
    await expect
      .poll(() => page.locator('[data-testid="cell-final"]').textContent(), { timeout: 60_000 })
      .toContain('imported: rl_primed (verl)');
    await page.screenshot({ path: join(ARTIFACTS, 'scaleout-import.png'), fullPage: true });

    // The run's completions in the span view, the behaviors the rules found at import highlighted.
    const run = page.locator('[data-testid="imported-run"][data-run="rl_primed (verl)"]');
    await run.locator('summary').click();
    await expect.poll(() => run.getByTestId('solution').count(), { timeout: 30_000 }).toBe(18);
    expect(await run.locator('[data-testid="solution"] mark.verification').count()).toBeGreaterThan(0);
    await run.getByLabel('Step').selectOption('20');
    await expect.poll(() => run.getByTestId('solution').count()).toBe(6);
    // A judge on them: the rules again, then Claude, which needs a key first.
    await run.getByTestId('imported-run-annotate').click();
    await expect
      .poll(() => run.getByTestId('imported-run-note').first().textContent(), { timeout: 30_000 })
      .toMatch(/^By rules[^,]*, on 18 completions, per solution: verification \d/);
    await run.getByTestId('imported-run-annotator').selectOption('claude');
    await run.getByTestId('imported-run-annotate').click();
    await expect
      .poll(() => run.getByTestId('imported-run-note').first().textContent(), { timeout: 30_000 })
      .toMatch(/needs an Anthropic API key/);
    await run.screenshot({ path: join(ARTIFACTS, 'scaleout-imported-run.png') });
    expect(errors).toEqual([]);
  });
});
