// The cases countdown_reward.py ships with: hand-picked edge cases of the paper's scorer plus completions drawn
// at random from a seed (answers built from digits, operators, parentheses, dots, JavaScript's odd white space
// and line breaks), each with the reward and accuracy that src/tasks/reward.ts gives. The exported folder holds
// them so the Python can be re-checked where it runs; the test suite checks all of them against the Python.
import { generateCountdownProblems } from '../tasks/countdown.ts';
import { createRng, type Rng } from '../tasks/random.ts';
import { countdownAccuracy, countdownReward } from '../tasks/reward.ts';
import type { CountdownProblem } from '../tasks/types.ts';

export interface RewardCase {
  completion: string;
  numbers: number[];
  target: number;
  reward: number;
  accuracy: number;
}

const P: CountdownProblem = { numbers: [3, 5, 7], target: 22 };
const a = (answer: string, before = 'Let me think.\n</think>\n'): string => `${before}<answer>${answer}</answer>`;

/** [completion, problem] pairs that pin down each rule of the scorer. */
const EDGE_CASES: [string, CountdownProblem][] = [
  [a(' 3 * 5 + 7 '), P],
  [a('7 + 5 * 3'), P],
  ['', P],
  ['3 * 5 + 7 = 22', P],
  [`${a('3 * 5 + 7')}\nThat is my answer.`, P],
  [`${a('3 * 5 + 7')}\n`, P],
  ['<answer>3 * 5\n+ 7</answer>', P],
  ['<answer>3 * 5\r+ 7</answer>', P],
  ['<answer>3 * 5\u2028+ 7</answer>', P],
  ['<answer> 3 + 5 + 7 </answer> or <answer> 3 * 5 + 7 </answer>', P],
  ['<answer> 3 * 5 + 7 </answer> or <answer> 3 + 5 + 7 </answer>', P],
  [a('3 * 5 + 7 + 7 - 7'), P],
  [a('15 + 7'), P],
  [a(''), P],
  [a('9 + 9 + 2'), { numbers: [9, 9, 2], target: 20 }],
  [a('3 / (5 - 5) + 7'), { numbers: [3, 5, 5, 7], target: 22 }],
  [a('(3 * 5 + 7'), P],
  [a('3 * 5 + 7)'), P],
  [a('3 × 5 + 7'), P],
  [a('3 * 5 − 7'), { numbers: [3, 5, 7], target: 8 }],
  [a('((3 * (5)) + (7))'), P],
  [a('8 / (3 - 8 / 3)'), { numbers: [8, 3, 8, 3], target: 24 }],
  [a('\t3*5+7\u00a0\u2003'), P],
  [a('\ufeff3*5+7'), P],
  [a('\u001c3*5+7'), P],
  [a('\u00853*5+7'), P],
  [a('1.5 * 4'), { numbers: [1, 5, 4], target: 6 }],
  [a('1.5 * 4'), { numbers: [15, 4], target: 6 }],
  [a('3. * 5 + 7'), P],
  [a('3 * 5 + .7'), { numbers: [3, 5, 7], target: 15.7 }],
  [a('3 * 5 + 7.'), P],
  [a('1.2.3 + 7'), { numbers: [1, 2, 3, 7], target: 8.2 }],
  [a('03 * 05 + 07'), P],
  [a('3 ** 5 + 7'), P],
  [a('--3 * 5 + +7'), P],
  [a('-3 * -5 + 7'), P],
  [a('7 - -3 * 5'), P],
  [a('-(3 - 5) * 7 + 8'), { numbers: [3, 5, 7, 8], target: 22 }],
  [a('3 5 + 7'), P],
  [a('3 * 5 + 7 ()'), P],
  [a('1 / 3 * 3'), { numbers: [1, 3, 3], target: 1 }],
  [a('10 / 3'), { numbers: [10, 3], target: 3.33333 }],
  [a('10 / 3'), { numbers: [10, 3], target: 3.3333 }],
  [a(`${'('.repeat(200)}3 * 5 + 7${')'.repeat(200)}`), P],
  [a('99999999999999999999 - 99999999999999999999 + 22'), { numbers: [1e20, 1e20, 22], target: 22 }],
  ['<answer>3*5+7</answer><answer>', P],
  ['<answer><answer>3*5+7</answer>', P],
  ['<ANSWER>3*5+7</ANSWER>', P],
  ['<answer>3*5+7</answer >', P],
];

const PIECES = ['3', '5', '7', '12', '0', ' ', ' ', '+', '-', '*', '/', '(', ')', '.', '1', '22', '\t', '\u00a0'];
const NOISE = ['x', '=', '\r', '\u2028', '\u2212', '×', 'a', '<', '>', '٣', '\u200b', '\u3000'];

function randomAnswer(rng: Rng, problem: CountdownProblem): string {
  if (problem.solution && rng.chance(0.3)) return problem.solution;
  const parts: string[] = [];
  const length = rng.int(0, 14);
  for (let i = 0; i < length; i++) {
    if (rng.chance(0.5)) parts.push(String(rng.pick(problem.numbers)));
    else parts.push(rng.chance(0.93) ? rng.pick(PIECES) : rng.pick(NOISE));
  }
  return parts.join(rng.chance(0.5) ? ' ' : '');
}

function randomCompletion(rng: Rng, problem: CountdownProblem): string {
  const think = `<think>Try ${problem.numbers.join(' and ')}.</think>`;
  const answer = `<answer>${randomAnswer(rng, problem)}</answer>`;
  const shapes = [
    `${think}\n${answer}`,
    `${think}\n${answer}\n`,
    `${answer} and then <answer>${randomAnswer(rng, problem)}</answer>`,
    `${think} ${answer}${rng.pick(['', ' done', '\r', '\n\n'])}`,
    `${think}\n<answer>${randomAnswer(rng, problem)}`,
  ];
  return rng.pick(shapes);
}

function scored(completion: string, problem: CountdownProblem): RewardCase {
  return {
    completion,
    numbers: problem.numbers,
    target: problem.target,
    reward: countdownReward(completion, problem),
    accuracy: countdownAccuracy(completion, problem),
  };
}

/** The edge cases and `generated` random completions, each scored by the TypeScript reward. */
export function rewardCases(generated = 2000, seed = 1): RewardCase[] {
  const rng = createRng(seed);
  const problems = generateCountdownProblems({ count: Math.max(1, Math.ceil(generated / 8)), seed });
  const random = Array.from({ length: generated }, (_, i) => {
    const problem = problems[i % problems.length];
    return scored(randomCompletion(rng, problem), problem);
  });
  return [...EDGE_CASES.map(([completion, problem]) => scored(completion, problem)), ...random];
}

/** The cases as the JSONL file the export ships beside countdown_reward.py. */
export function rewardCasesJsonl(cases: RewardCase[]): string {
  return cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
}
