import { describe, expect, it } from 'vitest';
import {
  countdownAccuracy,
  countdownReward,
  countdownRewardLenient,
  extractAnswer,
  isCorrectAnswer,
} from '../../src/tasks/reward.ts';

const p = { numbers: [3, 5, 7], target: 22 };
const withAnswer = (answer: string, before = 'Let me think.\n</think>\n'): string =>
  `${before}<answer>${answer}</answer>`;

describe('countdownReward (the paper: 0, 0.1 or 1 from the last line)', () => {
  it('gives 1 for a right answer on the last line', () => {
    expect(countdownReward(withAnswer(' 3 * 5 + 7 '), p)).toBe(1);
    expect(countdownReward(withAnswer('7 + 5 * 3'), p)).toBe(1);
  });

  it('gives 0 without an answer, or with the answer not on the last line', () => {
    expect(countdownReward('', p)).toBe(0);
    expect(countdownReward('3 * 5 + 7 = 22', p)).toBe(0);
    expect(countdownReward(`${withAnswer('3 * 5 + 7')}\nThat is my answer.`, p)).toBe(0);
    expect(countdownReward(`${withAnswer('3 * 5 + 7')}\n`, p)).toBe(0);
    expect(countdownReward('<answer>3 * 5\n+ 7</answer>', p)).toBe(0);
    expect(countdownReward('<answer> 3 * 5 + 7', p)).toBe(0);
  });

  it('reads the last of two answers on the last line', () => {
    expect(countdownReward('<answer> 3 + 5 + 7 </answer> or <answer> 3 * 5 + 7 </answer>', p)).toBe(1);
    expect(countdownReward('<answer> 3 * 5 + 7 </answer> or <answer> 3 + 5 + 7 </answer>', p)).toBe(0.1);
  });

  it('gives 0.1 when a number is reused, missing, extra or not given', () => {
    expect(countdownReward(withAnswer('3 * 5 + 7 + 7 - 7'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('15 + 7'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('3 * 5 + 7 * 1'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('3 * 5'), p)).toBe(0.1);
    expect(countdownReward(withAnswer(''), p)).toBe(0.1);
  });

  it('counts duplicates: each given copy is used exactly once', () => {
    const twins = { numbers: [9, 9, 2], target: 20 };
    expect(countdownReward(withAnswer('9 + 9 + 2'), twins)).toBe(1);
    expect(countdownReward(withAnswer('9 + 11'), twins)).toBe(0.1);
    expect(countdownReward(withAnswer('9 * 2 + 2'), twins)).toBe(0.1);
  });

  it('gives 0.1 for a wrong value, a division by zero, bad syntax or other characters', () => {
    expect(countdownReward(withAnswer('3 + 5 + 7'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('3 * 5 + 7 = 22'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('3 / (5 - 5) + 7'), { numbers: [3, 5, 5, 7], target: 22 })).toBe(0.1);
    expect(countdownReward(withAnswer('(3 * 5 + 7'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('3 × 5 + 7'), p)).toBe(0.1);
    expect(countdownReward(withAnswer('3 * 5 − 7'), { numbers: [3, 5, 7], target: 8 })).toBe(0.1);
    expect(countdownReward(withAnswer('x = 3 * 5 + 7'), p)).toBe(0.1);
  });

  it('accepts nested parentheses, fractions on the way and any white space', () => {
    expect(countdownReward(withAnswer('((3 * (5)) + (7))'), p)).toBe(1);
    expect(countdownReward(withAnswer('8 / (3 - 8 / 3)'), { numbers: [8, 3, 8, 3], target: 24 })).toBe(1);
    expect(countdownReward(withAnswer('\t3*5+7   '), p)).toBe(1);
    expect(countdownReward(withAnswer('(1 + 2) / 3'), { numbers: [1, 2, 3], target: 1 })).toBe(1);
  });

  it('splits decimals into integers, as the paper does', () => {
    expect(countdownReward(withAnswer('1.5 * 4'), { numbers: [1, 5, 4], target: 6 })).toBe(1);
    expect(countdownReward(withAnswer('1.5 * 4'), { numbers: [15, 4], target: 6 })).toBe(0.1);
  });
});

describe('extractAnswer, countdownAccuracy, countdownRewardLenient', () => {
  it('extracts the trimmed last answer of the last line', () => {
    expect(extractAnswer('a\n<answer>  1 + 2 </answer>')).toBe('1 + 2');
    expect(extractAnswer('<answer>1</answer>\nnothing')).toBeNull();
  });

  it('scores accuracy as 0 or 1 only', () => {
    expect(countdownAccuracy(withAnswer('3 * 5 + 7'), p)).toBe(1);
    expect(countdownAccuracy(withAnswer('3 + 5 + 7'), p)).toBe(0);
    expect(countdownAccuracy('no answer', p)).toBe(0);
  });

  it('the lenient variant finds answers anywhere and maps unicode operators', () => {
    expect(countdownRewardLenient(`${withAnswer('3 * 5 + 7')}\nDone.`, p)).toBe(1);
    expect(countdownRewardLenient('<answer>\n3 × 5 + 7 = 22\n</answer>', p)).toBe(1);
    expect(countdownRewardLenient('<answer> 3 * 5 − 7 </answer>', { numbers: [3, 5, 7], target: 8 })).toBe(1);
    expect(countdownRewardLenient('<answer> 3 + 5 + 7 </answer>', p)).toBe(0.1);
    expect(countdownRewardLenient('nothing', p)).toBe(0);
  });

  it('isCorrectAnswer checks numbers, characters and value', () => {
    expect(isCorrectAnswer('3 * 5 + 7', p)).toBe(true);
    expect(isCorrectAnswer('3 * 5 + 7 + 0', p)).toBe(false);
  });
});
