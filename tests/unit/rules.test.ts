import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { annotateSpans, rulesAnnotator } from '../../src/behaviors/rules.ts';
import { BEHAVIORS, type BehaviorCounts } from '../../src/behaviors/types.ts';

interface Labelled {
  numbers: number[];
  target: number;
  completion: string;
  labels: BehaviorCounts;
}

const labelled: Labelled[] = readFileSync(new URL('../fixtures/labelled-traces.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Labelled);

const p = { numbers: [3, 5, 7], target: 22 };
const count = (completion: string, problem = p): BehaviorCounts => annotateSpans(problem, completion).counts;

describe('rule annotator on the hand-labelled traces', () => {
  it('the fixture has 40+ traces with presence and absence of every behavior', () => {
    expect(labelled.length).toBeGreaterThanOrEqual(40);
    for (const b of BEHAVIORS) {
      const present = labelled.filter((t) => t.labels[b] > 0).length;
      expect(present, b).toBeGreaterThanOrEqual(8);
      expect(labelled.length - present, b).toBeGreaterThanOrEqual(8);
    }
    expect(labelled.filter((t) => BEHAVIORS.every((b) => t.labels[b] === 0)).length).toBeGreaterThanOrEqual(5);
  });

  it('agrees with the labels on presence for at least 85% of traces, per behavior', () => {
    const agree = Object.fromEntries(BEHAVIORS.map((b) => [b, 0])) as BehaviorCounts;
    for (const t of labelled) {
      const counts = count(t.completion, t);
      for (const b of BEHAVIORS) if (counts[b] > 0 === t.labels[b] > 0) agree[b]++;
    }
    for (const b of BEHAVIORS) expect(agree[b] / labelled.length, b).toBeGreaterThanOrEqual(0.85);
  });

  it('returns spans whose evidence is the exact text, and counts that are the spans', () => {
    for (const t of labelled) {
      const a = annotateSpans(t, t.completion);
      expect(a.annotator).toBe('rules');
      for (const s of a.spans) {
        expect(s.evidence).toBe(t.completion.slice(s.start, s.end));
        expect(s.evidence.length).toBeGreaterThan(0);
      }
      for (const b of BEHAVIORS) expect(a.counts[b]).toBe(a.spans.filter((s) => s.behavior === b).length);
    }
  });
});

describe('rule annotator reads the arithmetic', () => {
  it('a direct solution shows no behavior, in symbols or in words', () => {
    expect(count('3 * 5 = 15. 15 + 7 = 22.\n</think>\n<answer> 3 * 5 + 7 </answer>')).toEqual({
      verification: 0,
      backtracking: 0,
      subgoal: 0,
      backward: 0,
    });
    expect(count('Multiplying 3 by 5 gives 15, and adding 7 gives 22.')).toEqual({
      verification: 0,
      backtracking: 0,
      subgoal: 0,
      backward: 0,
    });
  });

  it('"not N" is a check only when N is the target or a named goal', () => {
    expect(count('3 + 5 = 8, which is not 22.').verification).toBe(1);
    expect(count('3 + 5 = 8, which is not 9.').verification).toBe(0);
    expect(count('I need 8 from 3 and 5. 3 * 5 = 15, which is not 8.').verification).toBe(1);
  });

  it('a new combination that ignores the previous result is backtracking; a restatement is not', () => {
    expect(count('3 + 5 = 8. 3 * 5 = 15. 15 + 7 = 22.').backtracking).toBe(1);
    expect(count('3 * 5 = 15. 15 + 7 = 22. So 3 * 5 + 7 = 22.').backtracking).toBe(0);
    expect(count('3 * 5 = 15. 15 + 7 = 22. Check: 3 * 5 = 15 and 15 + 7 = 22.').backtracking).toBe(0);
  });

  it('building two parts from untouched numbers is not backtracking; returning to an earlier result is', () => {
    const q = { numbers: [3, 5, 7, 1], target: 48 };
    expect(count('3 + 5 = 8. 7 - 1 = 6. 8 * 6 = 48.', q).backtracking).toBe(0);
    expect(count('3 + 5 = 8. 8 * 7 = 56. 56 - 1 = 55. Back to 8: 7 - 1 = 6, 8 * 6 = 48.', q).backtracking).toBe(1);
  });

  it('the target used as an operand is backward chaining; reaching it is not', () => {
    expect(count('22 - 7 = 15, and 3 * 5 = 15.').backward).toBe(1);
    expect(count('3 * 5 = 15, and 15 + 7 = 22.').backward).toBe(0);
    expect(count('22 = 15 + 7, and 15 = 3 * 5.').backward).toBe(1);
  });

  it('names subgoals other than the target itself', () => {
    expect(count('I need to reach 22.').subgoal).toBe(0);
    expect(count('First I want to get to 15.').subgoal).toBe(1);
    expect(count('22 has many factors.').subgoal).toBe(1);
  });

  it('ignores what is inside <answer> and after </think>', () => {
    const c = '3 * 5 = 15. 15 + 7 = 22.\n</think>\nLet me check. 3 + 5 = 8 is too small.\n<answer> 3 * 5 + 7 </answer>';
    expect(annotateSpans(p, c).spans).toEqual([]);
  });
});

describe('rulesAnnotator', () => {
  it('annotates a batch through the Annotator interface and honours an abort', async () => {
    const traces = labelled.slice(0, 3).map((t) => ({ problem: t, completion: t.completion }));
    const out = await rulesAnnotator.annotate(traces);
    expect(out.map((a) => a.counts)).toEqual(traces.map((t) => annotateSpans(t.problem, t.completion).counts));
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(rulesAnnotator.annotate(traces, ctrl.signal)).rejects.toThrow();
  });
});

describe('rule annotator on arbitrary text', () => {
  it('never throws and always returns spans that point at the text', async () => {
    const { createRng } = await import('../../src/tasks/random.ts');
    const rng = createRng(5);
    const atoms = [
      '3',
      '5',
      '7',
      '22',
      '0',
      '1.5',
      '(',
      ')',
      '+',
      '-',
      '*',
      '/',
      '=',
      ' ',
      '.',
      '\n',
      'not',
      'too big',
      'back to',
      'need',
      'first',
      'backwards',
      'is',
      'x',
      '×',
      '−',
      '</think>',
      '<answer>',
      '</answer>',
      'plus',
      'adding',
      'by',
      '!',
      ',',
      ';',
      '✓',
    ];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: rng.int(1, 60) }, () => rng.pick(atoms)).join(rng.chance(0.5) ? ' ' : '');
      for (const s of annotateSpans(p, text).spans) {
        expect(s.end).toBeGreaterThan(s.start);
        expect(s.evidence).toBe(text.slice(s.start, s.end));
      }
    }
  });
});
