// `npm run check` lints with eslint.config.js, whose import-boundary rule encodes docs/architecture.md's layers:
// each layer imports only the layers above it, and only ui/ touches the DOM. Snippets placed (by path) in
// different layers show that the rule fails a wrong import and passes a right one, in TypeScript and Svelte.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** The rules that fail `code` as if it were the file at `path` (the imported files are real). */
async function failures(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layer rule', () => {
  it('fails engine importing store, and tasks importing engine', async () => {
    expect(
      await failures('src/engine/probe.ts', "import type { Store } from '../store/db.ts';\nexport type S = Store;\n"),
    ).toEqual([expect.stringMatching(/^boundaries\/dependencies: .*"engine" to .*"store"/)]);
    expect(
      await failures(
        'src/tasks/probe.ts',
        "import { describeAdapter } from '../engine/gpu.ts';\nexport const r = describeAdapter;\n",
      ),
    ).toEqual([expect.stringMatching(/^boundaries\/dependencies: .*"tasks" to .*"engine"/)]);
  });

  it('fails a Svelte component of ui/ importing cli/, the other front end', async () => {
    const component =
      '<script lang="ts">\n  import { progressLine } from \'../../cli/runProgress.ts\';\n</script>\n\n<p>{progressLine.name}</p>\n';
    expect(await failures('src/ui/notebook/Probe.svelte', component)).toEqual([
      expect.stringMatching(/^boundaries\/dependencies: .*"ui" to .*"cli"/),
    ]);
  });

  it('passes imports of the layers above', async () => {
    const code = [
      "import { paperConditions } from '../charts/paper.ts';",
      "import type { Store } from '../store/db.ts';",
      "import type { ProgressReport } from '../engine/progress.ts';",
      'export type T = [Store, ProgressReport];',
      'export const c = paperConditions;',
      '',
    ].join('\n');
    expect(await failures('src/notebook/probe.ts', code)).toEqual([]);
  });

  it('fails the DOM outside ui/', async () => {
    expect(await failures('src/app/probe.ts', "export const input = document.createElement('input');\n")).toEqual([
      expect.stringMatching(/^no-restricted-globals: .*only src\/ui\/ touches/),
    ]);
    expect(await failures('src/ui/probe.ts', "export const input = document.createElement('input');\n")).toEqual([]);
  });
});
