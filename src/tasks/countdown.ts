// Countdown problems: a seeded generator whose every problem is checked solvable, and an exhaustive solver
// over +, -, * and exact / (each number used once, all numbers used), which keeps the steps it took.
import { applyOp, type BinaryOp } from './expression.ts';
import { createRng, type Rng } from './random.ts';
import type { ProblemSplit } from './task.ts';
import type { CountdownProblem } from './types.ts';

export interface CountdownPreset {
  name: string;
  /** How many numbers a problem has; one of these, chosen uniformly unless `sizeShares` says otherwise. */
  sizes: number[];
  /** The share of problems with each of `sizes` (a data set's measured mix), summing to 1. */
  sizeShares?: number[];
  /** Each number is uniform in [lo, hi]. */
  numberRange: [number, number];
  /** The target is uniform in [lo, hi]. */
  targetRange: [number, number];
}

/**
 * Close to the RL set of the paper (HF Jiayi-Pan/Countdown-Tasks-3to4: 3 or 4 numbers). Its exact ranges
 * are not documented; numbers 1-99 and targets 10-99 match the rows we have seen.
 */
export const COUNTDOWN_RL_PRESET: CountdownPreset = {
  name: 'countdown-3to4',
  sizes: [3, 4],
  numberRange: [1, 99],
  targetRange: [10, 99],
};

/** The paper's priming problems (tasks/countdown.py): 3 or 4 numbers 50/50, each 1..max_target-1, target 10..25. */
export const COUNTDOWN_PRIMING_PRESET: CountdownPreset = {
  name: 'priming',
  sizes: [3, 4],
  numberRange: [1, 24],
  targetRange: [10, 25],
};

export const COUNTDOWN_PRESETS: Record<string, CountdownPreset> = {
  rl: COUNTDOWN_RL_PRESET,
  priming: COUNTDOWN_PRIMING_PRESET,
};

/** One move of a solution: two values combined into a new one. */
export interface SolutionStep {
  left: number;
  op: BinaryOp;
  right: number;
  result: number;
}

export interface CountdownSolution {
  expression: string;
  steps: SolutionStep[];
}

const PRECEDENCE: Record<BinaryOp, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

interface Item {
  value: number;
  text: string;
  /** Precedence of the item's top operator; 3 for a bare number. */
  prec: number;
}

function combine(a: Item, op: BinaryOp, b: Item): Item {
  const p = PRECEDENCE[op];
  const left = a.prec < p ? `(${a.text})` : a.text;
  // The right side also needs parentheses at equal precedence for - and / (a - (b + c)).
  const right = b.prec < p || (b.prec === p && (op === '-' || op === '/')) ? `(${b.text})` : b.text;
  return { value: applyOp(op, a.value, b.value), text: `${left} ${op} ${right}`, prec: p };
}

/** The exact integer moves between two values: +, *, non-negative -, and division without remainder. */
export function integerMoves(a: number, b: number): Array<[number, BinaryOp, number]> {
  const [hi, lo] = a >= b ? [a, b] : [b, a];
  const moves: Array<[number, BinaryOp, number]> = [
    [hi, '+', lo],
    [hi, '-', lo],
    [hi, '*', lo],
  ];
  if (lo !== 0 && hi % lo === 0) moves.push([hi, '/', lo]);
  if (hi !== lo && hi !== 0 && lo % hi === 0) moves.push([lo, '/', hi]);
  return moves;
}

/** The expression a sequence of steps builds from the numbers ("3 * 5 + 7"); throws if a step uses a value not on the table. */
export function expressionFromSteps(numbers: number[], steps: SolutionStep[]): string {
  let pool: Item[] = numbers.map((n) => ({ value: n, text: String(n), prec: 3 }));
  for (const step of steps) {
    const i = pool.findIndex((it) => it.value === step.left);
    const j = pool.findIndex((it, k) => k !== i && it.value === step.right);
    if (i < 0 || j < 0)
      throw new Error(`step ${step.left} ${step.op} ${step.right} uses a value that is not available`);
    const next = combine(pool[i], step.op, pool[j]);
    pool = [...pool.filter((_, k) => k !== i && k !== j), next];
  }
  return pool.map((it) => it.text).join(', ');
}

/** Every distinct way (up to `limit`) to reach the target using each number exactly once. */
export function solveCountdown(numbers: number[], target: number, limit = Infinity): CountdownSolution[] {
  const found = new Map<string, CountdownSolution>();
  const items: Item[] = numbers.map((n) => ({ value: n, text: String(n), prec: 3 }));

  const search = (pool: Item[], steps: SolutionStep[]): void => {
    if (found.size >= limit) return;
    if (pool.length === 1) {
      if (pool[0].value === target && !found.has(pool[0].text)) {
        found.set(pool[0].text, { expression: pool[0].text, steps });
      }
      return;
    }
    for (let i = 0; i < pool.length; i++) {
      for (let j = i + 1; j < pool.length; j++) {
        const rest = pool.filter((_, k) => k !== i && k !== j);
        for (const [x, op] of integerMoves(pool[i].value, pool[j].value)) {
          const [a, b] = x === pool[i].value ? [pool[i], pool[j]] : [pool[j], pool[i]];
          const next = combine(a, op, b);
          search([...rest, next], [...steps, { left: a.value, op, right: b.value, result: next.value }]);
        }
      }
    }
  };
  search(items, []);
  return [...found.values()];
}

export interface GenerateOptions {
  count: number;
  seed: number;
  preset?: CountdownPreset;
}

/** `count` solvable problems drawn from the preset's ranges; the same seed gives the same problems. */
export function generateCountdownProblems({
  count,
  seed,
  preset = COUNTDOWN_RL_PRESET,
}: GenerateOptions): CountdownProblem[] {
  validatePreset(preset);
  const rng = createRng(seed);
  const problems: CountdownProblem[] = [];
  const maxDraws = 2000;
  while (problems.length < count) {
    // The size is drawn once per problem, so unsolvable draws do not tilt the mix toward 4 numbers.
    const size = preset.sizeShares ? weightedPick(rng, preset.sizes, preset.sizeShares) : rng.pick(preset.sizes);
    for (let draws = 0; ; draws++) {
      if (draws >= maxDraws)
        throw new Error(
          `preset "${preset.name}" gave only ${problems.length} solvable problems (no ${size}-number problem in ${maxDraws} draws)`,
        );
      const numbers = Array.from({ length: size }, () => rng.int(...preset.numberRange));
      const target = rng.int(...preset.targetRange);
      const [solution] = solveCountdown(numbers, target, 1);
      if (solution) {
        problems.push({ numbers, target, solution: solution.expression });
        break;
      }
    }
  }
  return problems;
}

/**
 * The problems a cell with this seed trains or is tested on: test problems come from a seed range training
 * never uses, priming problems from the priming preset. The in-browser run and the exported job share them.
 */
export function cellProblems(seed: number, count: number, split: ProblemSplit): CountdownProblem[] {
  return generateCountdownProblems({
    count,
    seed: seed + (split === 'test' ? 1_000_003 : 0),
    preset: split === 'priming' ? COUNTDOWN_PRIMING_PRESET : COUNTDOWN_RL_PRESET,
  });
}

function weightedPick(rng: Rng, items: number[], shares: number[]): number {
  let left = rng.next();
  for (const [i, share] of shares.entries()) if ((left -= share) < 0) return items[i];
  return items[items.length - 1];
}

function validatePreset(preset: CountdownPreset): void {
  const shares = preset.sizeShares;
  if (
    shares &&
    (shares.length !== preset.sizes.length ||
      shares.some((s) => !(s >= 0)) ||
      Math.abs(shares.reduce((a, b) => a + b, 0) - 1) > 1e-6)
  ) {
    throw new Error(`preset "${preset.name}": sizeShares must give each size a share, summing to 1`);
  }
  const ranges = [preset.numberRange, preset.targetRange];
  if (preset.sizes.length === 0 || preset.sizes.some((s) => !Number.isInteger(s) || s < 2 || s > 6)) {
    throw new Error(`preset "${preset.name}": sizes must be integers in 2..6`);
  }
  if (ranges.some(([lo, hi]) => !Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo)) {
    throw new Error(`preset "${preset.name}": ranges must be integer [lo, hi] with 0 <= lo <= hi`);
  }
}

/** Reads "3,5,7" or "[3, 5, 7]" into integers, naming the bad entry. */
export function parseNumberList(text: string): number[] {
  const parts = text
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(/[\s,]+/)
    .filter((p) => p !== '');
  if (parts.length === 0) throw new Error(`no numbers in "${text}"`);
  return parts.map((p) => {
    // Digits only: Number() would also take "0x10", "1e3" or "1_0".
    if (!/^\d+$/.test(p)) throw new Error(`"${p}" in "${text}" is not a non-negative integer`);
    return Number(p);
  });
}
