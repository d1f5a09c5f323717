import { describe, expect, it } from 'vitest';
import { buildPrimingDataset } from '../../src/priming/build.ts';
import { solveCountdown } from '../../src/tasks/countdown.ts';
import { countdownShortTask, isTestProblem } from '../../src/tasks/countdownShortTask.ts';
import { countdownTask } from '../../src/tasks/countdownTask.ts';
import { TASK_NAMES, taskNamed } from '../../src/tasks/registry.ts';
import { renderPrompt } from '../../src/tasks/task.ts';

const task = taskNamed('countdown-short');
const problem = { numbers: [3, 5, 7], target: 22 };
const key = (p: { numbers: number[]; target: number }) => `${[...p.numbers].sort((a, b) => a - b)}=${p.target}`;

describe('the countdown-short task', () => {
  it('is a built-in task a cell or flag can name', () => {
    expect(TASK_NAMES).toEqual(['countdown', 'countdown-short']);
    expect(task.name).toBe('countdown-short');
  });

  it('prompts "Numbers: 3 5 7. Target: 22." and opens <think> as the paper does', () => {
    expect(renderPrompt(task, problem, 'base')).toBe('Numbers: 3 5 7. Target: 22.\n<think>');
    expect(renderPrompt(task, problem, 'chat')).toBe(
      '<|im_start|>user\nNumbers: 3 5 7. Target: 22.<|im_end|>\n<|im_start|>assistant\n<think>',
    );
    expect(renderPrompt(task, problem, 'chat', (m) => `[${m.map((x) => x.content).join('|')}]`)).toBe(
      '[Numbers: 3 5 7. Target: 22.]<think>',
    );
  });

  it("scores with the paper's reward and answer extraction, as Countdown does", () => {
    const completions = [
      ' 3 * 5 = 15, 15 + 7 = 22.\n</think>\n<answer> 3 * 5 + 7 </answer>',
      ' </think>\n<answer> 3 + 5 + 7 </answer>',
      ' </think>\n<answer> 3 * 5 + 7 </answer>\nmore',
      'no answer',
    ];
    expect(completions.map((c) => task.reward(c, problem))).toEqual([1, 0.1, 0, 0]);
    for (const c of completions) {
      expect(task.reward(c, problem)).toBe(countdownTask.reward(c, problem));
      expect(task.extractAnswer(c)).toBe(countdownTask.extractAnswer(c));
    }
  });

  it('makes easy solvable problems: 3 numbers 1-12, targets 10-40, the same for the same seed', () => {
    const train = task.problems('train', 300, 1);
    expect(train).toHaveLength(300);
    for (const p of train) {
      expect(p.numbers).toHaveLength(3);
      expect(p.numbers.every((n) => n >= 1 && n <= 12)).toBe(true);
      expect(p.target).toBeGreaterThanOrEqual(10);
      expect(p.target).toBeLessThanOrEqual(40);
      expect(solveCountdown(p.numbers, p.target, 1)).toHaveLength(1);
    }
    expect(task.problems('train', 300, 1)).toEqual(train);
    expect(task.problems('train', 100, 1)).toEqual(train.slice(0, 100));
    expect(task.problems('train', 100, 2)).not.toEqual(train.slice(0, 100));
  });

  it('never trains on a test problem: 256 distinct test problems, none among train or priming ones', () => {
    const test = task.problems('test', 256, 1);
    expect(new Set(test.map(key)).size).toBe(256);
    expect(test.every(isTestProblem)).toBe(true);
    const seen = new Set([...task.problems('train', 3000, 1), ...task.problems('priming', 3000, 1)].map(key));
    expect(test.filter((p) => seen.has(key(p)))).toEqual([]);
    // The same numbers in another order are the same problem.
    expect(isTestProblem({ numbers: [7, 3, 5], target: 22 })).toBe(isTestProblem(problem));
  });

  it('says so when a preset has too few distinct test problems', () => {
    const tiny = countdownShortTask({ name: 'tiny', sizes: [3], numberRange: [1, 3], targetRange: [10, 12] });
    expect(tiny.name).toBe('countdown-short-tiny');
    expect(() => tiny.problems('test', 50, 1)).toThrow(/preset "tiny" gave too few test problems/);
  });

  it('primes on its own problems, each trace carrying its short prompt', () => {
    const data = buildPrimingDataset({ condition: 'all_strategies', count: 20, seed: 1, task });
    expect(data.problems).toEqual(task.problems('priming', data.problems.length, 1).slice(0, 20));
    for (const t of data.traces) {
      expect(t.prompt).toBe(renderPrompt(task, t.problem, 'base'));
      expect(t.reward).toBe(1);
      expect(Object.values(t.counts).every((c) => c > 0)).toBe(true);
    }
    const empty = buildPrimingDataset({ condition: 'empty_cot', count: 20, seed: 1, task });
    expect(empty.problems).toEqual(data.problems);
    expect(empty.traces.map((t) => t.completion.startsWith(' </think>\n<answer>'))).toEqual(Array(20).fill(true));
  });
});
