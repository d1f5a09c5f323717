import { describe, expect, it } from 'vitest';
import {
  COUNTDOWN_PRIMING_PRESET,
  COUNTDOWN_RL_PRESET,
  expressionFromSteps,
  generateCountdownProblems,
  parseNumberList,
  solveCountdown,
} from '../../src/tasks/countdown.ts';
import { evaluateExpression, expressionNumbers } from '../../src/tasks/expression.ts';
import { countdownTask } from '../../src/tasks/countdownTask.ts';
import { renderPrompt } from '../../src/tasks/task.ts';
import { createRng } from '../../src/tasks/random.ts';
import { countdownReward } from '../../src/tasks/reward.ts';

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

describe('solveCountdown', () => {
  it('finds solutions that use every number once and hit the target', () => {
    const solutions = solveCountdown([3, 5, 7], 22);
    expect(solutions.map((s) => s.expression)).toEqual(['5 * 3 + 7']);
    for (const s of solutions) {
      expect(evaluateExpression(s.expression)).toBe(22);
      expect(sorted(expressionNumbers(s.expression))).toEqual([3, 5, 7]);
      expect(s.steps).toHaveLength(2);
    }
  });

  it('uses exact division only and writes the parentheses it needs', () => {
    const [s] = solveCountdown([8, 4, 6, 3], 20).filter((x) => x.expression.includes('/'));
    expect(evaluateExpression(s.expression)).toBe(20);
    expect(s.steps.every((st) => Number.isInteger(st.result))).toBe(true);
    expect(solveCountdown([8, 4, 6, 3], 20).map((x) => x.expression)).toContain('(8 - (6 - 3)) * 4');
    for (const x of solveCountdown([25, 5, 4, 3], 32)) expect(evaluateExpression(x.expression)).toBe(32);
    // 6 / 4 is not exact, so 30 from [6, 4, 5] is out of reach for the integer search.
    expect(solveCountdown([6, 4, 5], 30)).toEqual([]);
  });

  it('reports no solution when there is none, and respects a limit', () => {
    expect(solveCountdown([1, 1, 1], 50)).toEqual([]);
    expect(solveCountdown([1, 2, 3, 4], 10, 2)).toHaveLength(2);
  });

  it('rebuilds an expression from steps', () => {
    const steps = solveCountdown([3, 5, 7, 2], 29).find((s) => s.expression === '5 * 3 + 7 * 2')?.steps;
    expect(steps).toBeDefined();
    expect(evaluateExpression(expressionFromSteps([3, 5, 7, 2], steps ?? []))).toBe(29);
    expect(() => expressionFromSteps([3, 5], [{ left: 4, op: '+', right: 5, result: 9 }])).toThrow(/not available/);
  });
});

describe('generateCountdownProblems', () => {
  it('is reproducible from the seed and differs across seeds', () => {
    const a = generateCountdownProblems({ count: 20, seed: 42 });
    expect(generateCountdownProblems({ count: 20, seed: 42 })).toEqual(a);
    expect(generateCountdownProblems({ count: 20, seed: 43 })).not.toEqual(a);
    expect(generateCountdownProblems({ count: 30, seed: 42 }).slice(0, 20)).toEqual(a);
  });

  it('gives solvable RL problems in range, each with a solution that scores 1', () => {
    const problems = generateCountdownProblems({ count: 60, seed: 1, preset: COUNTDOWN_RL_PRESET });
    for (const p of problems) {
      expect([3, 4]).toContain(p.numbers.length);
      expect(p.numbers.every((n) => n >= 1 && n <= 99)).toBe(true);
      expect(p.target).toBeGreaterThanOrEqual(10);
      expect(p.target).toBeLessThanOrEqual(99);
      expect(countdownReward(`<answer>${p.solution}</answer>`, p)).toBe(1);
    }
    expect(new Set(problems.map((p) => p.numbers.length)).size).toBe(2);
  });

  it('follows the paper priming preset: 3 or 4 numbers about evenly, 1..24, targets 10..25', () => {
    const problems = generateCountdownProblems({ count: 400, seed: 3, preset: COUNTDOWN_PRIMING_PRESET });
    const fours = problems.filter((p) => p.numbers.length === 4).length;
    expect(fours).toBeGreaterThan(150);
    expect(fours).toBeLessThan(250);
    for (const p of problems) {
      expect(p.numbers.every((n) => n >= 1 && n <= 24)).toBe(true);
      expect(p.target >= 10 && p.target <= 25).toBe(true);
      expect(solveCountdown(p.numbers, p.target, 1)).toHaveLength(1);
    }
  });

  it('rejects a bad preset and an impossible one', () => {
    expect(() =>
      generateCountdownProblems({
        count: 1,
        seed: 1,
        preset: { name: 'x', sizes: [], numberRange: [1, 9], targetRange: [1, 9] },
      }),
    ).toThrow(/sizes/);
    expect(() =>
      generateCountdownProblems({
        count: 1,
        seed: 1,
        preset: { name: 'x', sizes: [3], numberRange: [9, 1], targetRange: [1, 9] },
      }),
    ).toThrow(/ranges/);
    expect(() =>
      generateCountdownProblems({
        count: 1,
        seed: 1,
        preset: { name: 'ones', sizes: [3], numberRange: [1, 1], targetRange: [90, 99] },
      }),
    ).toThrow(/only 0 solvable/);
  });
});

describe('createRng', () => {
  it('is seeded and uniform enough', () => {
    const a = createRng(7);
    const b = createRng(7);
    const xs = Array.from({ length: 2000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('parseNumberList', () => {
  it('reads lists and names the bad entry', () => {
    expect(parseNumberList('3,5,7')).toEqual([3, 5, 7]);
    expect(parseNumberList('[3, 5, 7]')).toEqual([3, 5, 7]);
    expect(() => parseNumberList('3,five')).toThrow(/"five"/);
    expect(() => parseNumberList('')).toThrow(/no numbers/);
  });
});

describe('the Countdown task prompt', () => {
  const p = { numbers: [3, 5, 7], target: 22 };

  it('writes the paper base template, ending in an opened <think>', () => {
    const text = renderPrompt(countdownTask, p, 'base');
    expect(text.startsWith('A conversation between User and Assistant.')).toBe(true);
    expect(text).toContain('User: Using the numbers [3, 5, 7], create an equation that equals 22.');
    expect(text).toContain('for example <answer> (1 + 2) / 3 </answer>.');
    expect(text.endsWith('\nAssistant: Let me solve this step by step.\n<think>')).toBe(true);
  });

  it('gives chat messages for an Instruct model, rendered as ChatML where the model has no template', () => {
    const chat = countdownTask.prompt(p, 'chat');
    expect(chat.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(chat.messages[1].content).toContain('[3, 5, 7]');
    expect(chat.assistantPrefix).toBe('Let me solve this step by step.\n<think>');
    const text = renderPrompt(countdownTask, p, 'chat');
    expect(text.startsWith('<|im_start|>system\nYou are a helpful assistant.')).toBe(true);
    expect(text.endsWith('<|im_end|>\n<|im_start|>assistant\nLet me solve this step by step.\n<think>')).toBe(true);
  });
});

describe('loadCountdownTasks (no network: fetch is passed in)', () => {
  const page = (offset: number, length: number): Response =>
    new Response(
      JSON.stringify({
        rows: Array.from({ length }, (_, i) => ({
          row_idx: offset + i,
          row: { target: 98, nums: [44, 19, 35 + offset + i] },
        })),
      }),
    );

  it('reads datasets-server pages of at most 100 rows', async () => {
    const { loadCountdownTasks } = await import('../../src/tasks/countdownTasks.ts');
    const urls: string[] = [];
    const fetchFn = (async (url: string) => {
      urls.push(url);
      const q = new URL(url).searchParams;
      return page(Number(q.get('offset')), Number(q.get('length')));
    }) as typeof fetch;
    const loaded = await loadCountdownTasks({ count: 150, offset: 10, fetchFn });
    expect(loaded.problems).toHaveLength(150);
    expect(loaded.problems[0]).toEqual({ numbers: [44, 19, 45], target: 98 });
    expect(urls.map((u) => new URL(u).searchParams.get('length'))).toEqual(['100', '50']);
    expect(loaded.source).toBe('Jiayi-Pan/Countdown-Tasks-3to4 train rows 10..159');
  });

  it('falls back to the seeded generator and says why', async () => {
    const { loadCountdownTasks } = await import('../../src/tasks/countdownTasks.ts');
    const offline = (async () => {
      throw new Error('getaddrinfo ENOTFOUND');
    }) as typeof fetch;
    const loaded = await loadCountdownTasks({ count: 5, seed: 2, fetchFn: offline });
    expect(loaded.problems).toEqual(generateCountdownProblems({ count: 5, seed: 2, preset: COUNTDOWN_RL_PRESET }));
    expect(loaded.source).toMatch(/^local generator .*seed 2.*ENOTFOUND/);
    const malformed = (async () =>
      new Response(JSON.stringify({ rows: [{ row: { nums: 'x', target: 1 } }] }))) as typeof fetch;
    expect((await loadCountdownTasks({ count: 1, fetchFn: malformed })).source).toMatch(/row 0 has no integer nums/);
  });
});
