import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rewardCases, rewardCasesJsonl } from '../../src/scaleout/rewardCases.ts';
import { python } from '../support/python.ts';

const SCRIPT = 'src/scaleout/python/countdown_reward.py';
const dir = mkdtempSync(join(tmpdir(), 'primer-reward-'));

function check(cases: ReturnType<typeof rewardCases>): string {
  const file = join(dir, `cases-${cases.length}.jsonl`);
  writeFileSync(file, rewardCasesJsonl(cases));
  return python([SCRIPT, file]);
}

describe('countdown_reward.py against src/tasks/reward.ts', () => {
  it('gives the same reward and accuracy on every edge case and 5000 generated completions', () => {
    const cases = rewardCases(5000, 7);
    expect(cases.length).toBeGreaterThan(5040);
    // The generated set must exercise all three outcomes, or agreement would prove little.
    for (const reward of [0, 0.1, 1]) expect(cases.filter((c) => c.reward === reward).length).toBeGreaterThan(200);
    expect(check(cases)).toContain('0 mismatches');
  });

  it('reports a case whose expected reward is wrong', () => {
    const [first, ...rest] = rewardCases(10);
    expect(() => check([{ ...first, reward: first.reward === 1 ? 0.1 : 1 }, ...rest])).toThrow(/case 1: got/);
  });

  it("answers veRL's compute_score and TRL's reward function signatures", () => {
    const out = python([
      '-c',
      [
        'import json, sys',
        "sys.path.insert(0, 'src/scaleout/python')",
        'import countdown_reward as r',
        "gt = {'target': 22, 'numbers': [3, 5, 7]}",
        "print(json.dumps(r.compute_score('countdown', '<answer>3*5+7</answer>', gt)))",
        "print(json.dumps(r.compute_score('countdown', '<answer>3+5+7</answer>', gt, format_score=0)))",
        "msgs = [[{'role': 'assistant', 'content': '<answer>3*5+7</answer>'}], '<answer>7</answer>', 'no']",
        "print(json.dumps(r.countdown_reward(['p'] * 3, msgs, numbers=[[3, 5, 7]] * 3, target=[22] * 3, extra=1)))",
        "print(json.dumps(r.countdown_accuracy(['p'] * 3, msgs, numbers=[[3, 5, 7]] * 3, target=[22] * 3)))",
      ].join('\n'),
    ]);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ score: 1, acc: 1 }, { score: 0, acc: 0 }, [1, 0.1, 0], [1, 0, 0]]);
  });
});
