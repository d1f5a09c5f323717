// `primer run`: a notebook headless in Node with the app's runner and handlers, on Dawn.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('primer run', () => {
  it('runs a notebook end to end and writes outputs, traces and SVG charts', async () => {
    const out = await mkdtemp(join(tmpdir(), 'primer-run-'));
    const { stdout, stderr } = await run(
      'node',
      [
        'bin/primer.js',
        'run',
        'tests/fixtures/notebooks/e2e-tiny.md',
        '--out',
        out,
        '--set',
        'narrated.size=2',
        '--set',
        'rl.steps=1',
        '--set',
        'samples.problems=1',
      ],
      { timeout: 300_000 },
    );
    expect(stdout).toMatch(/curve: done/);
    // While a cell works, progress on stderr; when it ends, a summary line with its time on stdout.
    expect(stderr).toMatch(/^\[rl\] steps \d+\/1\b/m);
    expect(stderr).toMatch(/^\[samples\] \S+ \d+\/\d+/m);
    expect(stdout).toMatch(/^rl: done in \d+:\d\d\b/m);
    const outputs = JSON.parse(await readFile(join(out, 'outputs.json'), 'utf8')) as Record<string, { status: string }>;
    expect(Object.values(outputs).map((o) => o.status)).toEqual(Array(7).fill('done'));
    const traces = (await readFile(join(out, 'traces.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(traces.filter((t) => t.cellId === 'narrated')).toHaveLength(2);
    expect(traces.filter((t) => t.cellId === 'rl').length).toBeGreaterThan(0);
    const rl = (outputs as unknown as Record<string, { value: { evals: { step: number; accuracy: number }[] } }>).rl
      .value;
    expect(rl.evals.map((e) => e.step)).toEqual([0, 1]); // held-out evaluation before and after the one update
    const svgs = (await readdir(out)).filter((f) => f.endsWith('.svg'));
    expect(svgs).toContain('curve-1.svg');
    expect(await readFile(join(out, 'curve-1.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline/);
  });

  it('names a bad --set and a missing notebook', async () => {
    await expect(
      run('node', ['bin/primer.js', 'run', 'tests/fixtures/notebooks/e2e-tiny.md', '--set', 'nope.size=2']),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/no cell "nope"/) });
    await expect(run('node', ['bin/primer.js', 'run', 'missing.md'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/missing\.md/),
    });
  });
});
