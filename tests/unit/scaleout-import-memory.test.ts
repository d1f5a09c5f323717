import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBigDump } from '../support/bigRun.ts';

/** Runs `primer import-run` on a dump of this size in its own process; returns its peak memory in MB. */
async function importPeak(megabytes: number): Promise<{ peak: number; generations: number }> {
  const dir = mkdtempSync(join(tmpdir(), `primer-big-${megabytes}-`));
  await writeBigDump(dir, megabytes);
  const out = join(dir, 'imported');
  const result = spawnSync(process.execPath, ['bin/primer.js', 'import-run', dir, '--out', out], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  const peak = Number(/peak memory (\d+) MB/.exec(result.stdout)?.[1]);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { generations: number };
  console.log(`${megabytes} MB dump: ${run.generations} generations, peak memory ${peak} MB`);
  return { peak, generations: run.generations };
}

describe('importing a large generations dump', () => {
  it('reads 200 MB in bounded memory: the peak barely moves from a 20 MB dump', { timeout: 900_000 }, async () => {
    const small = await importPeak(20);
    const large = await importPeak(200);
    expect(large.generations).toBeGreaterThan(9 * small.generations);
    expect(large.peak - small.peak).toBeLessThan(64);
  });
});
