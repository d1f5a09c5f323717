// The reward, annotate and dataset commands run as a user would run them: node bin/primer.js ...
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSftJsonl } from '../../src/priming/export.ts';

function primer(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/primer.js', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'primer-cli-'));
const solved =
  'Let me try 3 + 5 = 8, which is not 22. Back to 3: 3 * 5 = 15, 15 + 7 = 22.\n</think>\n<answer> 3 * 5 + 7 </answer>\n';

describe('primer reward', { timeout: 90_000 }, () => {
  it('prints the reward of the completion on stdin', () => {
    expect(primer(['reward', '--task', 'countdown', '--numbers', '3,5,7', '--target', '22'], solved)).toMatchObject({
      code: 0,
      stdout: '1\n',
    });
    expect(primer(['reward', '--numbers', '3,5,7', '--target', '22'], '<answer> 3 + 5 + 7 </answer>').stdout).toBe(
      '0.1\n',
    );
    expect(primer(['reward', '--numbers', '3,5,7', '--target', '22'], 'no answer').stdout).toBe('0\n');
    expect(
      primer(['reward', '--numbers', '3,5,7', '--target', '22', '--lenient'], '<answer> 3 × 5 + 7 </answer>\nbye')
        .stdout,
    ).toBe('1\n');
  });

  it('fails with exit code 1 and a one-line cause on bad input', () => {
    for (const [args, cause] of [
      [['reward', '--numbers', '3,x', '--target', '22'], /"x" in "3,x" is not a non-negative integer/],
      [['reward', '--numbers', '3,5'], /missing --target/],
      [
        ['reward', '--task', 'gsm8k', '--numbers', '3', '--target', '3'],
        /--task must be one of countdown, countdown-short, got "gsm8k"/,
      ],
      [
        ['reward', '--numbers', '3,5,7', '--target', '22', '--acuracy'],
        /unknown flag --acuracy \(did you mean --accuracy\?\)/,
      ],
      [['reward', '--numbers', '0x10,1e3', '--target', '22'], /"0x10" in "0x10,1e3" is not a non-negative integer/],
      [['reward', '--numbers', '3,5', '--target', ''], /--target must be a number, got ""/],
    ] as const) {
      const r = primer([...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(cause);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('primer annotate', { timeout: 90_000 }, () => {
  it('prints counts and spans for one completion', () => {
    const r = primer(['annotate', '--judge', 'rules', '--numbers', '3,5,7', '--target', '22'], solved);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      counts: Record<string, number>;
      spans: Array<{ behavior: string; evidence: string }>;
    };
    expect(out.counts).toEqual({ verification: 1, backtracking: 1, subgoal: 0, backward: 0 });
    expect(out.spans.map((s) => s.behavior)).toEqual(['verification', 'backtracking']);
    expect(solved).toContain(out.spans[1].evidence);
  });

  it('annotates a JSONL file in our, TRL and veRL field names, adding an annotation to each line', () => {
    const input = join(dir, 'rollouts.jsonl');
    const out = join(dir, 'annotated.jsonl');
    const rows = [
      { numbers: [3, 5, 7], target: 22, completion: solved, step: 4 },
      { nums: [3, 5, 7], target: 22, completion: [{ role: 'assistant', content: '3 * 5 = 15. 15 + 7 = 22.' }] },
      {
        response: '22 - 7 = 15, so I need 15. 3 * 5 = 15.',
        reward_model: { ground_truth: { numbers: [3, 5, 7], target: 22 } },
      },
    ];
    writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    expect(primer(['annotate', '--judge', 'rules', '--jsonl', input, '--out', out]).code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].step).toBe(4);
    expect(lines[0].annotation.counts.backtracking).toBe(1);
    expect(lines[1].annotation.counts).toEqual({ verification: 0, backtracking: 0, subgoal: 0, backward: 0 });
    expect(lines[2].annotation.counts).toMatchObject({ subgoal: 1, backward: 1 });
    expect(lines[2].annotation.annotator).toBe('rules');
  });

  it('names the line of a bad record, a missing file and an unknown judge', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ numbers: [1, 2], target: 3, completion: 'x' })}\n${JSON.stringify({ target: 3, completion: 'x' })}\n`,
    );
    const r = primer(['annotate', '--jsonl', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl line 2: no numbers \(looked for numbers, nums/);
    expect(primer(['annotate', '--jsonl', join(dir, 'missing.jsonl')]).stderr).toMatch(/cannot read .*missing\.jsonl/);
    expect(primer(['annotate', '--judge', 'oracle', '--numbers', '1,2', '--target', '3']).stderr).toMatch(
      /--judge must be one of rules, got "oracle"/,
    );
  });
});

describe('primer dataset', { timeout: 90_000 }, () => {
  it('writes a TRL prompt/completion file for a condition', () => {
    const out = join(dir, 'all.jsonl');
    const r = primer(['dataset', '--condition', 'all_strategies', '--count', '12', '--seed', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/all_strategies: 12 traces, mean reward 1\.00/);
    const examples = parseSftJsonl(readFileSync(out, 'utf8'), out);
    expect(examples).toHaveLength(12);
    expect(examples.every((e) => typeof e.prompt === 'string' && e.prompt.endsWith('<think>'))).toBe(true);
  });

  it('writes all of a large output to a slow pipe before it exits (more than the 64 KB a pipe buffers)', () => {
    // The reader waits a second, so the pipe fills and the rest must wait in the CLI for it to drain.
    const command = `"${process.execPath}" bin/primer.js dataset --condition all_strategies --count 300 | (sleep 1; cat)`;
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(4 * 65_536);
    expect(parseSftJsonl(r.stdout, 'stdout')).toHaveLength(300);
  });

  it('fails on an unknown condition or preset', () => {
    expect(primer(['dataset', '--condition', 'dots']).stderr).toMatch(/--condition must be one of .*, got "dots"/);
    expect(primer(['dataset', '--condition', 'all_strategies', '--preset', 'huge']).stderr).toMatch(
      /--preset must be one of .*, got "huge"/,
    );
  });
});

describe('the countdown-short task in the CLI', { timeout: 90_000 }, () => {
  it('prints its prompt, scores with its reward and narrates its problems', () => {
    const prompt = primer(['prompt', '--task', 'countdown-short', '--numbers', '3,5,7', '--target', '22']);
    expect(prompt).toMatchObject({ code: 0, stdout: 'Numbers: 3 5 7. Target: 22.\n<think>' });
    const reward = (text: string) =>
      primer(['reward', '--task', 'countdown-short', '--numbers', '3,5,7', '--target', '22'], text).stdout;
    expect([reward(solved), reward('<answer> 3 + 5 + 7 </answer>')]).toEqual(['1\n', '0.1\n']);
    const r = primer(['dataset', '--task', 'countdown-short', '--condition', 'all_strategies', '--count', '3']);
    expect(r.code).toBe(0);
    const examples = parseSftJsonl(r.stdout, 'stdout');
    expect(examples.map((e) => /^Numbers: \d+ \d+ \d+\. Target: \d+\.\n<think>$/.test(String(e.prompt)))).toEqual([
      true,
      true,
      true,
    ]);
  });
});
