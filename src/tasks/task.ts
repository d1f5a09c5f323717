// A Task is everything that is specific to a problem family: its problems (generator and splits), its
// prompt under a template, its reward and answer extraction, and what the behavior annotators need to
// know about a problem. Sample, prime, RL, evaluation, the CLI and WebLLM all take a Task; the engine's
// trainer only ever sees prompt texts and a score function.
import type { ChatMessage, CountdownProblem } from './types.ts';

export const PROMPT_TEMPLATES = ['base', 'chat'] as const;
/** 'base': plain text a pretrained model continues; 'chat': the model's own chat template over the messages. */
export type PromptTemplate = (typeof PROMPT_TEMPLATES)[number];

export const PROBLEM_SPLITS = ['train', 'test', 'priming'] as const;
/** 'train' and 'test' never share a problem; 'priming' is the family the priming sets are built from. */
export type ProblemSplit = (typeof PROBLEM_SPLITS)[number];

/** A problem's prompt: the conversation, and the text the assistant's turn starts with. */
export interface TaskPrompt {
  messages: ChatMessage[];
  assistantPrefix: string;
}

/** Makes a model's chat prompt of messages, ending where the assistant's turn begins (its tokenizer's template). */
export type ChatTemplate = (messages: ChatMessage[]) => string;

/** What the behavior annotators read of a problem: the numbers on the table and the goal. */
export interface SearchHints {
  numbers: number[];
  target: number;
}

export interface Task<P = CountdownProblem> {
  /** The name a notebook cell or a CLI flag gives (`task: countdown`). */
  readonly name: string;
  readonly description: string;
  prompt(problem: P, template: PromptTemplate): TaskPrompt;
  /** The training reward of a completion (the continuation after the prompt). */
  reward(completion: string, problem: P): number;
  /** The answer a completion gives, or null when it gives none. */
  extractAnswer(completion: string): string | null;
  /** `count` problems of a split; the same seed gives the same problems. */
  problems(split: ProblemSplit, count: number, seed: number): P[];
  hints(problem: P): SearchHints;
}

/** ChatML (Qwen's format), for a model without a chat template of its own. */
export function chatMl(messages: ChatMessage[]): string {
  return messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + '<|im_start|>assistant\n';
}

/**
 * The one prompt text of a problem: every path (sample, prime, RL rollouts and evaluation, the CLI, WebLLM)
 * renders it here. 'base' joins the messages' text; 'chat' applies the model's chat template (ChatML when
 * it has none). Either way the assistant prefix follows.
 */
export function promptText(prompt: TaskPrompt, template: PromptTemplate, chat?: ChatTemplate): string {
  const head =
    template === 'base' ? prompt.messages.map((m) => m.content).join('\n\n') : (chat ?? chatMl)(prompt.messages);
  return head + prompt.assistantPrefix;
}

/** A problem's prompt text under a template, with the model's chat template where it has one. */
export function renderPrompt<P>(task: Task<P>, problem: P, template: PromptTemplate, chat?: ChatTemplate): string {
  return promptText(task.prompt(problem, template), template, chat);
}

/** A tokenizer's chat template as a ChatTemplate, or undefined when it has none. */
export function chatTemplateOf(tokenizer: {
  hasChatTemplate: boolean;
  applyChatTemplate(messages: ChatMessage[]): string;
}): ChatTemplate | undefined {
  return tokenizer.hasChatTemplate ? (messages) => tokenizer.applyChatTemplate(messages) : undefined;
}
