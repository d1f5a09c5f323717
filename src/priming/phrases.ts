// Several wordings for each move the narrator makes, chosen by the seeded RNG so that no two traces read
// like one template. Each bank keeps to its own behavior: a step never judges its result, a check never
// names a new goal, and only the backtracking phrases talk about going back.
import type { SolutionStep } from '../tasks/countdown.ts';
import type { BinaryOp } from '../tasks/expression.ts';
import type { Rng } from '../tasks/random.ts';

const OP_WORD: Record<BinaryOp, string> = { '+': 'plus', '-': 'minus', '*': 'times', '/': 'divided by' };

function verbForm(s: SolutionStep): string {
  switch (s.op) {
    case '+':
      return `adding ${s.left} and ${s.right} gives ${s.result}`;
    case '-':
      return `subtracting ${s.right} from ${s.left} leaves ${s.result}`;
    case '*':
      return `multiplying ${s.left} by ${s.right} gives ${s.result}`;
    case '/':
      return `dividing ${s.left} by ${s.right} gives ${s.result}`;
  }
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function listNumbers(numbers: number[], rng: Rng): string {
  if (rng.chance(0.4)) return `[${numbers.join(', ')}]`;
  return `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
}

/** One arithmetic step as a sentence; `opening` for the first step of an attempt. */
export function stepSentence(s: SolutionStep, opening: boolean, rng: Rng): string {
  const symbols = `${s.left} ${s.op} ${s.right} = ${s.result}`;
  if (opening && rng.chance(0.5)) return `${rng.pick(["Let's try", 'Try', 'Begin with'])} ${symbols}.`;
  const body = rng.pick([
    () => symbols,
    () => symbols,
    () => `${s.left} ${OP_WORD[s.op]} ${s.right} is ${s.result}`,
    () => `${s.left} ${s.op} ${s.right} gives ${s.result}`,
    () => `${s.left} ${s.op} ${s.right} makes ${s.result}`,
    () => verbForm(s),
  ])();
  const lead = opening ? '' : rng.pick(['then ', 'next, ', '', '', 'after that, ', 'and ']);
  return `${capitalize(lead + body)}.`;
}

export function intro(numbers: string, target: number, rng: Rng): string | null {
  return rng.pick([
    `We have ${numbers} and need to reach ${target}.`,
    `Numbers: ${numbers}. Target: ${target}.`,
    `I have to combine ${numbers} into ${target}.`,
    `The numbers are ${numbers}, and the target is ${target}.`,
    null,
  ]);
}

/** A result judged against a goal it misses. */
export function missSentence(value: number, goal: number, rng: Rng): string {
  const size =
    value > goal
      ? [`${value} is too big.`, `${value} overshoots ${goal}.`, `That is more than ${goal}.`]
      : [`${value} is too small.`, `${value} is less than ${goal}.`, `That falls short of ${goal}.`];
  return rng.pick([
    ...size,
    `${value} is not ${goal}.`,
    `That gives ${value}, not ${goal}.`,
    `${value} ≠ ${goal}, no good.`,
    `${value} is ${Math.abs(value - goal)} away from ${goal}.`,
  ]);
}

/** The final result judged right. */
export function successSentence(expression: string, target: number, rng: Rng): string {
  return rng.pick([
    `That's exactly ${target}!`,
    `${target} is the target, so this works.`,
    `Let me check: ${expression} = ${target}. Correct.`,
    `This reaches the target.`,
    `Checking: every number is used once and the result is ${target}.`,
    `It matches the target.`,
  ]);
}

/** A named intermediate value reached. */
export function subgoalReachedSentence(value: number, rng: Rng): string {
  return rng.pick([
    `Good, that's the ${value} I wanted.`,
    `That gives exactly ${value}.`,
    `${value}, as planned, so this part works.`,
  ]);
}

/** Leaving a dead end: back to the start (`to` undefined) or to an earlier result. */
export function backtrackSentence(to: number | undefined, numbers: string, rng: Rng): string {
  if (to !== undefined) {
    return rng.pick([
      `Let me go back to ${to}.`,
      `Back to ${to}, and try something else.`,
      `Let me backtrack to ${to}.`,
    ]);
  }
  return rng.pick([
    'Let me go back to the start.',
    'Let me start over.',
    'Let me try a different combination.',
    'Scratch that.',
    'Let me backtrack and try another way.',
    `Going back to ${numbers}.`,
  ]);
}

export function backwardTurnSentence(rng: Rng): string {
  return rng.pick([
    'Let me try working backwards instead.',
    'Let me go back and work backwards from the target.',
    'Scratch that; working backwards might be easier.',
  ]);
}

/** Naming a value to build first; `from` lists the numbers it should come from. */
export function subgoalSentence(value: number, from: string | null, rng: Rng): string {
  const options = [
    `Let me aim for ${value} first.`,
    `A good intermediate target is ${value}.`,
    `If I can make ${value}, the rest follows.`,
    `First I want to get to ${value}.`,
    `My subgoal is ${value}.`,
  ];
  if (from) options.push(`I need ${value} from ${from}.`, `So the subgoal is to make ${value} from ${from}.`);
  return rng.pick(options);
}

/** A step undone from the target, e.g. "Working backwards from 22: 22 - 7 = 15." */
export function backwardSentence(inverse: SolutionStep, target: number, forward: SolutionStep, rng: Rng): string {
  const undo = `${inverse.left} ${inverse.op} ${inverse.right} = ${inverse.result}`;
  return rng.pick([
    `Working backwards from ${target}: ${undo}.`,
    `Starting from the target, ${undo}.`,
    `Undo the last step: ${undo}.`,
    `Thinking backwards, ${target} = ${forward.left} ${forward.op} ${forward.right}.`,
  ]);
}

/** The target taken apart into two built values, e.g. "Working backwards, 48 = 8 * 6." */
export function splitTargetSentence(last: SolutionStep, rng: Rng): string {
  const split = `${last.result} = ${last.left} ${last.op} ${last.right}`;
  return rng.pick([
    `Working backwards, ${split}.`,
    `Starting from the target, ${split}.`,
    `Thinking backwards: ${split}.`,
  ]);
}

/** Out of tries: the closest result, committed to and honestly judged. */
export function giveUpSentence(expression: string, value: number, target: number, rng: Rng): string {
  const off = Math.abs(value - target);
  return rng.pick([
    `I can't find an exact way, so I'll go with ${expression} = ${value}, off by ${off}.`,
    `I'm out of ideas. The closest I got is ${expression} = ${value}, which misses ${target} by ${off}.`,
    `No exact solution turned up; ${expression} = ${value} is ${off} away from ${target}, the nearest I found.`,
  ]);
}

export function closingSentence(expression: string, rng: Rng): string | null {
  return rng.pick([`So the answer is ${expression}.`, `So: ${expression}.`, `The expression is ${expression}.`, null]);
}
