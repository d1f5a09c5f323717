// Every arithmetic statement a narrated trace makes, parsed and recomputed: the paper's incorrect-only traces
// are Claude's failed searches, whose sums are right; only their final answers are wrong.
import { describe, expect, it } from 'vitest';
import { buildPrimingDataset } from '../../src/priming/build.ts';
import type { PrimingConditionName } from '../../src/priming/conditions.ts';
import { evaluateExpression } from '../../src/tasks/expression.ts';

interface Statement {
  text: string;
  claimed: number;
  actual: number;
}

const N = String.raw`(\d+)`;
/** Not inside a longer expression: no operator or parenthesis just before, none just after. */
const ALONE = String.raw`(?<![-+*/(] |\d|\()`;
const ENDS = String.raw`(?! [-+*/])`;
const OPS: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  plus: (a, b) => a + b,
  minus: (a, b) => a - b,
  times: (a, b) => a * b,
  'divided by': (a, b) => a / b,
};

/** Each pattern: a regex and how its groups become (claimed, actual). */
const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => [number, number]]> = [
  // "a op b = c", "a op b gives|makes|is c", "a plus b is c"
  [
    new RegExp(`${ALONE}${N} (\\+|-|\\*|/|plus|minus|times|divided by) ${N} (?:=|gives|makes|is) ${N}(?! away)`, 'g'),
    (m) => [+m[4], OPS[m[2]](+m[1], +m[3])],
  ],
  // "t = a op b" (a target split in two)
  [new RegExp(`${ALONE}${N} = ${N} ([+\\-*/]) ${N}\\b${ENDS}(?! =)`, 'g'), (m) => [+m[1], OPS[m[3]](+m[2], +m[4])]],
  [new RegExp(`adding ${N} and ${N} gives ${N}`, 'g'), (m) => [+m[3], +m[1] + +m[2]]],
  [new RegExp(`subtracting ${N} from ${N} leaves ${N}`, 'g'), (m) => [+m[3], +m[2] - +m[1]]],
  [new RegExp(`multiplying ${N} by ${N} gives ${N}`, 'g'), (m) => [+m[3], +m[1] * +m[2]]],
  [new RegExp(`dividing ${N} by ${N} gives ${N}`, 'g'), (m) => [+m[3], +m[1] / +m[2]]],
  // "v is d away from g", "off by d" / "misses g by d" after "expr = v"
  [new RegExp(`${N} is ${N} away from ${N}`, 'g'), (m) => [+m[2], Math.abs(+m[1] - +m[3])]],
];

/** A whole expression stated equal to a value: "Let me check: (3 + 5) * 2 = 16", "go with 7 * 3 - 2 = 19". */
const EXPRESSION = /(?:check: |go with |got is |; )([\d+\-*/() ]+?) = (\d+)/g;

function statements(text: string): Statement[] {
  const found: Statement[] = [];
  for (const [re, read] of PATTERNS)
    for (const m of text.matchAll(re)) {
      const [claimed, actual] = read(m);
      found.push({ text: m[0], claimed, actual });
    }
  for (const m of text.matchAll(EXPRESSION))
    found.push({ text: m[0], claimed: +m[2], actual: evaluateExpression(m[1]) });
  return found;
}

function falseStatements(condition: PrimingConditionName, count: number) {
  const data = buildPrimingDataset({ condition, count, seed: 7 });
  const all = data.traces.flatMap((t) => statements(t.completion.split('</think>')[0]));
  return { all, wrong: all.filter((s) => Math.abs(s.claimed - s.actual) > 1e-9) };
}

describe('arithmetic in narrated traces', () => {
  it('the parser reads every statement form the narrator uses, and catches a false one', () => {
    const s = statements(
      '38 * 11 makes 17. adding 3 and 4 gives 7. 12 minus 5 is 7. 48 = 8 * 6. 40 is 2 away from 42. ' +
        'Let me check: (3 + 5) * 2 = 16. subtracting 4 from 9 leaves 5.',
    );
    expect(s.map((x) => x.claimed)).toEqual(expect.arrayContaining([17, 7, 7, 48, 2, 16, 5]));
    expect(s.filter((x) => x.claimed !== x.actual).map((x) => x.text)).toEqual(['38 * 11 makes 17']);
  });

  for (const condition of ['incorrect_only', 'all_strategies'] as const) {
    // Narrating and solving 120 problems takes a few seconds on a loaded CI machine.
    it(`${condition}: every stated operation is true`, { timeout: 30_000 }, () => {
      const { all, wrong } = falseStatements(condition, 120);
      expect(all.length).toBeGreaterThan(400);
      expect(wrong.map((s) => s.text)).toEqual([]);
    });
  }
});
