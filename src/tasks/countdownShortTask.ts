// Countdown with a short prompt, for models trained from scratch: "Numbers: 3 5 7. Target: 22." and then the
// same <think>/<answer> format, reward and answer extraction as the paper's Countdown. A model that starts
// from random weights has no use for the paper's 565-character instructions; every byte of them is a token
// it would read in each training sequence. Easy problems by default (3 numbers, small ranges).
import { generateCountdownProblems, type CountdownPreset } from './countdown.ts';
import { countdownReward, extractAnswer } from './reward.ts';
import type { ProblemSplit, PromptTemplate, Task, TaskPrompt } from './task.ts';
import type { CountdownProblem } from './types.ts';

/** 3 numbers from 1 to 12, targets 10 to 40 (about 2,000 distinct solvable problems, 500 of them for testing). */
export const EASY_COUNTDOWN_PRESET: CountdownPreset = {
  name: 'easy-3',
  sizes: [3],
  numberRange: [1, 12],
  targetRange: [10, 40],
};

/** One in this many problems (by a hash of its numbers and target) is a test problem, and never trained on. */
const TEST_SHARE = 4;

/** "Numbers: 3 5 7. Target: 22." */
export function shortQuestion(problem: CountdownProblem): string {
  return `Numbers: ${problem.numbers.join(' ')}. Target: ${problem.target}.`;
}

export function shortPrompt(problem: CountdownProblem, template: PromptTemplate): TaskPrompt {
  return {
    messages: [{ role: 'user', content: shortQuestion(problem) }],
    assistantPrefix: template === 'base' ? '\n<think>' : '<think>',
  };
}

/** The same key for the same numbers in any order and the same target. */
function problemKey(problem: CountdownProblem): string {
  return `${[...problem.numbers].sort((a, b) => a - b).join(',')}=${problem.target}`;
}

/**
 * True for the problems the test split draws from: a small problem space repeats problems, so the splits are
 * kept apart by the problem itself (its numbers in any order, and its target), not only by the seed.
 */
export function isTestProblem(problem: CountdownProblem): boolean {
  const key = problemKey(problem);
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash % TEST_SHARE === 0;
}

const SPLIT_SEED_OFFSET: Record<ProblemSplit, number> = { train: 0, test: 1_000_003, priming: 2_000_003 };

/**
 * `count` problems of a split from the preset; a larger count keeps the smaller one's problems as its prefix.
 * Test problems are distinct, so that a held-out accuracy counts that many different problems.
 */
export function shortProblems(
  preset: CountdownPreset,
  split: ProblemSplit,
  count: number,
  seed: number,
): CountdownProblem[] {
  const test = split === 'test';
  for (let drawn = count * (test ? 2 * TEST_SHARE : 2) + 16; ; drawn *= 2) {
    const all = generateCountdownProblems({ count: drawn, seed: seed + SPLIT_SEED_OFFSET[split], preset });
    const seen = new Set<string>();
    const fresh = (p: CountdownProblem) => !test || (!seen.has(problemKey(p)) && !!seen.add(problemKey(p)));
    const kept = all.filter((p) => isTestProblem(p) === test && fresh(p));
    if (kept.length >= count) return kept.slice(0, count);
    if (drawn > 100 * (count + 16))
      throw new Error(`preset "${preset.name}" gave too few ${split} problems (${kept.length} of ${count})`);
  }
}

/** The short-prompt Countdown over a preset's problems (the built-in one: EASY_COUNTDOWN_PRESET). */
export function countdownShortTask(preset: CountdownPreset = EASY_COUNTDOWN_PRESET): Task<CountdownProblem> {
  const [lo, hi] = preset.numberRange;
  const [tlo, thi] = preset.targetRange;
  return {
    name: preset === EASY_COUNTDOWN_PRESET ? 'countdown-short' : `countdown-short-${preset.name}`,
    description:
      `Countdown with a short prompt for models trained from scratch ("Numbers: 3 5 7. Target: 22."): ` +
      `${preset.sizes.join(' or ')} numbers ${lo}-${hi}, targets ${tlo}-${thi}`,
    prompt: shortPrompt,
    reward: countdownReward,
    extractAnswer,
    problems: (split, count, seed) => shortProblems(preset, split, count, seed),
    hints: (problem) => problem,
  };
}
