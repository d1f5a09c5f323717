// The Countdown reward of TinyZero / Gandhi et al. (verl/utils/reward_score/countdown.py), read from the
// model's continuation: only its last line counts, and the last <answer>...</answer> on that line is the
// answer. 0 without an answer; 0.1 (the format score) for an answer that uses the wrong numbers, has other
// characters, does not evaluate or misses the target; 1.0 when it is within 1e-5 of the target.
import { evaluateExpression, expressionNumbers } from './expression.ts';
import type { CountdownProblem } from './types.ts';

export const FORMAT_SCORE = 0.1;
export const CORRECT_SCORE = 1.0;

const ANSWER = /<answer>(.*?)<\/answer>/g;
// The paper's character check: digits, + - * / ( ) . and whitespace only.
const ALLOWED = /^[\d+\-*/().\s]+$/;

/** The stripped text of the last <answer> on the completion's last line, or null. */
export function extractAnswer(completion: string): string | null {
  const lastLine = completion.split('\n').at(-1) ?? '';
  return lastAnswerIn(lastLine);
}

function lastAnswerIn(text: string): string | null {
  const matches = [...text.matchAll(ANSWER)];
  return matches.length > 0 ? matches[matches.length - 1][1].trim() : null;
}

/** True when the answer uses exactly the problem's numbers, each once, and evaluates to the target. */
export function isCorrectAnswer(answer: string, problem: CountdownProblem): boolean {
  if (!sameMultiset(expressionNumbers(answer), problem.numbers)) return false;
  if (!ALLOWED.test(answer)) return false;
  let value: number;
  try {
    value = evaluateExpression(answer);
  } catch {
    return false;
  }
  return Math.abs(value - problem.target) < 1e-5;
}

function sameMultiset(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((v, i) => v === y[i]);
}

function scoreAnswer(answer: string | null, problem: CountdownProblem, formatScore: number): number {
  if (answer === null) return 0;
  return isCorrectAnswer(answer, problem) ? CORRECT_SCORE : formatScore;
}

/** The paper's training reward: 0, 0.1 or 1.0. */
export function countdownReward(completion: string, problem: CountdownProblem): number {
  return scoreAnswer(extractAnswer(completion), problem, FORMAT_SCORE);
}

/** The paper's reported accuracy: the same check with no format score, so 0 or 1. */
export function countdownAccuracy(completion: string, problem: CountdownProblem): number {
  return scoreAnswer(extractAnswer(completion), problem, 0);
}

/**
 * NOT the paper's reward: a forgiving reading for inspecting models that have not learned the format.
 * The last <answer> anywhere in the text (it may span lines), with unicode minus, times and divide signs
 * mapped to ASCII and a trailing "= target" dropped.
 */
export function countdownRewardLenient(completion: string, problem: CountdownProblem): number {
  const matches = [...completion.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
  if (matches.length === 0) return 0;
  const answer = matches[matches.length - 1][1]
    .replace(/[\u2212\u2013]/g, '-')
    .replace(/[\u00d7\u00b7xX]/g, '*')
    .replace(/\u00f7/g, '/')
    .replace(/=\s*-?[\d.]+\s*$/, '')
    .trim();
  return scoreAnswer(answer, problem, FORMAT_SCORE);
}
