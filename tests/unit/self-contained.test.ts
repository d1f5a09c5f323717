// A clone of this repository alone passes `npm test`: the code, tests and scripts read only files inside it
// (the paper's tables are the project's own cited copy in reference/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('the project stands alone', () => {
  it('reads nothing beside the repository: no path into a sibling folder in src, tests, scripts or bin', () => {
    const sibling = ['..', 'shared'].join('/');
    const readers = ['src', 'tests', 'scripts', 'bin', '.ci'].flatMap(filesUnder);
    expect(readers.length).toBeGreaterThan(100);
    expect(readers.filter((f) => readFileSync(f, 'utf8').includes(sibling))).toEqual([]);
  });

  it("rebuilds the charts' paper curves exactly from its own copy of the paper's tables", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'primer-paper-')), 'paperResults.json');
    const r = spawnSync(process.execPath, ['scripts/paper-results.mjs', 'reference/paper-results', out], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync('src/charts/paperResults.json', 'utf8'));
    expect(readFileSync('reference/README.md', 'utf8')).toMatch(/kanishkg\/cognitive-behaviors[\s\S]*Apache/);
  });
});
