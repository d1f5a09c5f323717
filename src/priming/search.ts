// The search the narrator tells: a solution (preferring one that builds on each previous result), dead
// ends that start from the beginning or from a step of the solution, and the inverse of a step for
// working back from the target.
import { integerMoves, solveCountdown, type SolutionStep } from '../tasks/countdown.ts';
import type { BinaryOp } from '../tasks/expression.ts';
import type { Rng } from '../tasks/random.ts';
import type { CountdownProblem } from '../tasks/types.ts';

/** Each step after the first uses the result of the step before it. */
export function isChain(steps: SolutionStep[]): boolean {
  return steps.every((s, i) => i === 0 || s.left === steps[i - 1].result || s.right === steps[i - 1].result);
}

/**
 * A solution worth narrating, preferring one that builds on each previous result. Null when every solution
 * passes through 0 or through the target before the end ((15 - 15) / 17 + 24 teaches nothing).
 */
export function chooseSolution(problem: CountdownProblem, rng: Rng): SolutionStep[] | null {
  const all = solveCountdown(problem.numbers, problem.target, 200);
  const clean = all.filter((s) =>
    s.steps.every((st, i) => st.result !== 0 && (i === s.steps.length - 1 || st.result !== problem.target)),
  );
  if (clean.length === 0) return null;
  const chains = clean.filter((s) => isChain(s.steps));
  return rng.pick(chains.length > 0 && rng.chance(0.85) ? chains : clean).steps;
}

/** The values on the table after the steps. */
export function poolAfter(numbers: number[], steps: SolutionStep[]): number[] {
  let pool = [...numbers];
  for (const s of steps) {
    const i = pool.indexOf(s.left);
    const rest = pool.filter((_, k) => k !== i);
    const j = rest.indexOf(s.right);
    pool = [...rest.filter((_, k) => k !== j), s.result];
  }
  return pool;
}

/**
 * Random moves from `pool` until one value is left, never producing `avoid` or 0 on the way, never
 * starting with `notFirst` nor with an operand equal to `notFrom`. Null when no such walk turns up in a few tries.
 */
export function randomWalk(
  pool: number[],
  avoid: number,
  rng: Rng,
  notFirst?: SolutionStep,
  notFrom?: number,
): SolutionStep[] | null {
  for (let attempt = 0; attempt < 30; attempt++) {
    let values = [...pool];
    const steps: SolutionStep[] = [];
    while (values.length > 1) {
      const [i, j] = rng.shuffle(values.map((_, k) => k)).slice(0, 2);
      const [left, op, right] = rng.pick(integerMoves(values[i], values[j]));
      const result = applyInteger(left, op, right);
      if (result === avoid || result === 0 || result > 2000) break;
      steps.push({ left, op, right, result });
      values = [...values.filter((_, k) => k !== i && k !== j), result];
    }
    const sameStart = notFirst && steps[0] && sameStep(steps[0], notFirst);
    const fromAvoided = notFrom !== undefined && steps[0] && (steps[0].left === notFrom || steps[0].right === notFrom);
    if (values.length === 1 && !sameStart && !fromAvoided) return steps;
  }
  return null;
}

function applyInteger(a: number, op: BinaryOp, b: number): number {
  return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
}

function sameStep(a: SolutionStep, b: SolutionStep): boolean {
  return a.op === b.op && a.result === b.result && [a.left, a.right].sort().join() === [b.left, b.right].sort().join();
}

/** A step undone from its result: for x + n = t it is t - n = x. `known` is the operand that stays a number. */
export function inverseStep(step: SolutionStep, known: 'left' | 'right'): SolutionStep {
  const t = step.result;
  const n = known === 'left' ? step.left : step.right;
  const x = known === 'left' ? step.right : step.left;
  switch (step.op) {
    case '+':
      return { left: t, op: '-', right: n, result: x };
    case '*':
      return { left: t, op: '/', right: n, result: x };
    case '-':
      return known === 'right' ? { left: t, op: '+', right: n, result: x } : { left: n, op: '-', right: t, result: x };
    case '/':
      return known === 'right' ? { left: t, op: '*', right: n, result: x } : { left: n, op: '/', right: t, result: x };
  }
}

/** Which operand of the last step is a starting number (the other is built), or null when both are built. */
export function knownOperand(steps: SolutionStep[]): 'left' | 'right' | null {
  const last = steps[steps.length - 1];
  const built = steps.length > 1 ? steps[steps.length - 2].result : NaN;
  if (steps.length < 2 || !isChain(steps.slice(-2))) return null;
  return last.left === built ? 'right' : 'left';
}
