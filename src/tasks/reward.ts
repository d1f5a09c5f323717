// The Countdown reward of TinyZero / Gandhi et al. (verl/utils/reward_score/countdown.py), read from the
// model's continuation: only its last line counts, and the last <answer>...</answer> on that line is the
// answer. 0 without an answer; 0.1 (the format score) for an answer that uses the wrong numbers, has other
// characters, does not evaluate or misses the target; 1.0 when it is within 1e-5 of the target.
import { evaluateExpression, expressionNumbers } from './expression.ts';
import type { CountdownProblem } from './types.ts';

export const FORMAT_SCORE = 0.1;
export const CORRECT_SCORE = 1.0;

// The paper's character check: digits, + - * / ( ) . and whitespace only.
const ALLOWED = /^[\d+\-*/().\s]+$/;
// What a regular expression's `.` does not match: the strict reading never lets an answer span these.
const LINE_BREAKS = /[\r\u2028\u2029]/;

/** The stripped text of the last <answer> on the completion's last line, or null. */
export function extractAnswer(completion: string): string | null {
  const lastLine = completion.slice(completion.lastIndexOf('\n') + 1);
  const segments = lastLine.split(LINE_BREAKS);
  for (let i = segments.length - 1; i >= 0; i--) {
    const answer = lastAnswerIn(segments[i]);
    if (answer !== null) return answer.trim();
  }
  return null;
}

/**
 * The text of the last <answer>...</answer> pair, paired as `/<answer>([\s\S]*?)<\/answer>/g` pairs them (each
 * opening tag with the first closing tag after it), found with indexOf so an unclosed tag costs one scan, not one
 * scan per tag.
 */
export function lastAnswerIn(text: string): string | null {
  let answer: string | null = null;
  for (let from = 0; ;) {
    const open = text.indexOf('<answer>', from);
    if (open < 0) return answer;
    const close = text.indexOf('</answer>', open + '<answer>'.length);
    if (close < 0) return answer;
    answer = text.slice(open + '<answer>'.length, close);
    from = close + '</answer>'.length;
  }
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
  const last = lastAnswerIn(completion);
  if (last === null) return 0;
  const answer = last
    .replace(/[\u2212\u2013]/g, '-')
    .replace(/[\u00d7\u00b7xX]/g, '*')
    .replace(/\u00f7/g, '/')
    .replace(/=\s*-?[\d.]+\s*$/, '')
    .trim();
  return scoreAnswer(answer, problem, FORMAT_SCORE);
}
