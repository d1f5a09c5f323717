// Countdown as a Task: the paper's prompt, reward and problem families.
import { cellProblems } from './countdown.ts';
import { countdownPrompt } from './prompts.ts';
import { countdownReward, extractAnswer } from './reward.ts';
import type { Task } from './task.ts';
import type { CountdownProblem } from './types.ts';

export const countdownTask: Task<CountdownProblem> = {
  name: 'countdown',
  description: "Countdown with the paper's prompt: reach the target from 3 or 4 numbers with + - * /",
  prompt: countdownPrompt,
  reward: countdownReward,
  extractAnswer,
  problems: (split, count, seed) => cellProblems(seed, count, split),
  hints: (problem) => problem,
};
