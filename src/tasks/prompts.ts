// Countdown prompts. 'base' is the paper's plain-text template (TinyZero make_prefix, template_type
// 'base'): the model continues inside an opened <think>. 'chat' gives messages for an Instruct model so the
// engine applies the tokenizer's own chat template, plus the Qwen-instruct string of the same file as a
// fallback. A custom template is any text with {numbers} and {target} in it.
import type { CountdownProblem } from './types.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatPrompt {
  messages: ChatMessage[];
  /** Text the assistant turn starts with, appended after the chat template's generation prompt. */
  assistantPrefix: string;
  /** The whole prompt as one string in Qwen's ChatML, for engines without a chat template. */
  text: string;
}

export type PromptTemplate = 'base' | 'chat' | { custom: string };

/** Python's str() of a list of ints, as the paper's f-string writes it: [3, 5, 7]. */
function listText(numbers: number[]): string {
  return `[${numbers.join(', ')}]`;
}

function task(problem: CountdownProblem): string {
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
    `User: ${task(problem)}\nAssistant: Let me solve this step by step.`
  );
}

function chatPrompt(problem: CountdownProblem): ChatPrompt {
  const system =
    'You are a helpful assistant. You first thinks about the reasoning process in the mind and then provides the user with the answer.';
  const user = task(problem);
  return {
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    assistantPrefix: ASSISTANT_PREFIX,
    text: `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n ${user}<|im_end|>\n<|im_start|>assistant\n${ASSISTANT_PREFIX}`,
  };
}

/** Throws unless the template has {numbers} and {target} and no other {placeholder}. */
export function validateCustomTemplate(template: string): void {
  for (const name of ['numbers', 'target']) {
    if (!template.includes(`{${name}}`)) throw new Error(`custom prompt template has no {${name}} placeholder`);
  }
  const unknown = [...template.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1])
    .filter((n) => n !== 'numbers' && n !== 'target');
  if (unknown.length > 0) throw new Error(`custom prompt template has unknown placeholder {${unknown[0]}}`);
}

function customPrompt(problem: CountdownProblem, template: string): string {
  validateCustomTemplate(template);
  return template.replaceAll('{numbers}', listText(problem.numbers)).replaceAll('{target}', String(problem.target));
}

export function countdownPrompt(problem: CountdownProblem, template?: 'base' | { custom: string }): string;
export function countdownPrompt(problem: CountdownProblem, template: 'chat'): ChatPrompt;
export function countdownPrompt(problem: CountdownProblem, template: PromptTemplate = 'base'): string | ChatPrompt {
  if (template === 'base') return `${countdownQuery(problem)}\n<think>`;
  if (template === 'chat') return chatPrompt(problem);
  return customPrompt(problem, template.custom);
}

/** The prompt as one string whatever the template ('chat' gives its ChatML fallback). */
export function countdownPromptText(problem: CountdownProblem, template: PromptTemplate = 'base'): string {
  return template === 'chat' ? chatPrompt(problem).text : countdownPrompt(problem, template);
}
