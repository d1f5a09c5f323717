// Countdown's prompts. 'base' is the paper's plain-text template (TinyZero make_prefix, template_type
// 'base'): the model continues inside an opened <think>. 'chat' is TinyZero's qwen-instruct conversation (a
// system and a user message) for an Instruct model, whose own chat template renders it.
import type { TaskPrompt, PromptTemplate } from './task.ts';
import type { CountdownProblem } from './types.ts';

/** Python's str() of a list of ints, as the paper's f-string writes it: [3, 5, 7]. */
function listText(numbers: number[]): string {
  return `[${numbers.join(', ')}]`;
}

function question(problem: CountdownProblem): string {
  return (
    `Using the numbers ${listText(problem.numbers)}, create an equation that equals ${problem.target}. ` +
    'You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. ' +
    'Show your work in <think> </think> tags. And return the final answer in <answer> </answer> tags, ' +
    'for example <answer> (1 + 2) / 3 </answer>.'
  );
}

export const ASSISTANT_PREFIX = 'Let me solve this step by step.\n<think>';

/** The paper's prompt without the opened <think> (what the priming generator sends as the user turn). */
export function countdownQuery(problem: CountdownProblem): string {
  return (
    'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. ' +
    'The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.\n' +
    `User: ${question(problem)}\nAssistant: Let me solve this step by step.`
  );
}

const SYSTEM =
  'You are a helpful assistant. You first thinks about the reasoning process in the mind and then provides the user with the answer.';

export function countdownPrompt(problem: CountdownProblem, template: PromptTemplate): TaskPrompt {
  if (template === 'base')
    return { messages: [{ role: 'user', content: countdownQuery(problem) }], assistantPrefix: '\n<think>' };
  return {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: question(problem) },
    ],
    assistantPrefix: ASSISTANT_PREFIX,
  };
}
