// The reward and the rule annotator read pasted text of any size (a veRL run's JSONL, not only a completion of
// a few thousand tokens) in time linear in its length. Each input below is 1 MB shaped to make a quadratic reader
// slow (before the fix, 16 KB of "1+1+…" took 46 s to annotate and 1.3 MB of unclosed <answer> 66 s to score);
// the bound is CPU time, generous for a loaded machine and still far below what a quadratic reader needs.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { annotateSpans } from '../../src/behaviors/rules.ts';
import { countdownAccuracy, countdownReward, countdownRewardLenient } from '../../src/tasks/reward.ts';

const MB = 1 << 20;
const problem = { numbers: [3, 5, 7], target: 22 };
const fill = (unit: string, tail = '') => unit.repeat(Math.ceil(MB / unit.length)) + tail;
const narration =
  'Let me try 3 + 5 = 8, which is not 22. Back to 3: 3 * 5 = 15, 15 + 7 = 22. I need 15 first. 22 - 7 = 15, ' +
  'so 3 * 5 works. Maybe 7 * 3 = 21, too low. Adding 1 gives 22, what if 1 + 1 = 2?\n';

const ADVERSARIAL: Record<string, string> = {
  'unclosed <answer> tags': fill('<answer>'),
  'unclosed <answer> tags after a closed one': `<answer>3*5+7</answer>${fill('<answer>3 ')}`,
  '1+1+…+1': fill('1+', '1'),
  'numbers in a row': fill('1 '),
  'a chain of equalities': fill('1 = '),
  'nested parentheses': `${'('.repeat(MB / 2)}1${')'.repeat(MB / 2)}`,
  'signs without an end': fill('+ ', '7'),
  'a run of full stops': fill('.', 'x'),
  'narrated search': fill(narration),
  'prose without a full stop': fill('the quick brown fox need 12 and then check each used once maybe ', '.'),
};

function cpuSeconds(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

describe('reading adversarial text takes time linear in its length', { timeout: 120_000 }, () => {
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    it(`scores and annotates 1 MB of ${name}`, () => {
      let counts: Record<string, number> = {};
      const seconds = cpuSeconds(() => {
        for (const score of [countdownReward, countdownAccuracy, countdownRewardLenient]) score(text, problem);
        counts = annotateSpans(problem, text).counts;
      });
      expect(seconds).toBeLessThan(10);
      expect(Object.values(counts).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    });
  }

  it('still finds the last closed answer before a flood of unclosed tags', () => {
    expect(countdownReward(ADVERSARIAL['unclosed <answer> tags after a closed one'], problem)).toBe(1);
    expect(countdownRewardLenient(`<answer>3 * 5 + 7</answer>\n${fill('<answer>')}`, problem)).toBe(1);
  });

  it('counts every behavior of a long narration, not only its first pages', () => {
    const once = annotateSpans(problem, narration).counts;
    const copies = 500;
    const many = annotateSpans(problem, narration.repeat(copies)).counts;
    expect(once.verification).toBeGreaterThan(0);
    expect(many.verification).toBeGreaterThanOrEqual(copies * once.verification);
    expect(many.subgoal).toBe(copies * once.subgoal);
  });

  it('primer reward and primer annotate read 2 MB from stdin within the bound', () => {
    const primer = (args: string[], input: string) => {
      const started = performance.now();
      const r = spawnSync(process.execPath, ['bin/primer.js', ...args], { input, encoding: 'utf8', timeout: 90_000 });
      return { ...r, seconds: (performance.now() - started) / 1000 };
    };
    const reward = primer(['reward', '--numbers', '3,5,7', '--target', '22'], fill('<answer>').repeat(2));
    expect(reward.stdout).toBe('0\n');
    expect(reward.seconds).toBeLessThan(30);
    const annotate = primer(['annotate', '--numbers', '3,5,7', '--target', '22'], fill('1+').repeat(2) + '1');
    expect(JSON.parse(annotate.stdout).counts).toEqual({ verification: 0, backtracking: 0, subgoal: 0, backward: 0 });
    expect(annotate.seconds).toBeLessThan(30);
  });
});
