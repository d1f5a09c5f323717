// The system prompts that ask Claude for priming traces. Each condition allows some of the four
// behaviors and forbids the rest; the prompt is assembled from one instruction per behavior (what
// to show, or what to avoid), written by us from the behavior definitions. The user message is the
// paper's Countdown query, so a trace is a continuation of exactly the prompt the model will see.
import { BEHAVIORS, type Behavior } from '../behaviors/types.ts';
import type { PrimingCondition } from './conditions.ts';

/** The paper's request settings (api_gen.py): temperature 0.5, at most 1024 tokens per trace. */
export const CLAUDE_BUILD_DEFAULTS = { temperature: 0.5, maxTokens: 1024, concurrency: 4 };

/** How a condition wants the reasoning written. */
export interface TraceStyle {
  behaviors: readonly Behavior[];
  /** No exploration at all: the negative control's direct "Step k: a op b = c" solution. */
  direct?: boolean;
}

const SHOW: Record<Behavior, string> = {
  verification:
    'Verify. Whenever a computation could finish the problem, say in words whether the result equals the target, for example "13 * 4 = 52, which is 8 more than 44". Check the final expression against the target, and check that it uses each starting number exactly once, before you answer.',
  backtracking:
    'Backtrack. When a line of attack cannot reach the target, go back, either to the beginning or to an earlier intermediate result, and try a different combination of numbers or operations. Real searches take a few wrong turns before they find the answer; show them.',
  subgoal:
    'Set subgoals. Before computing, name an intermediate value worth reaching and say how it would lead to the target: a factor or a multiple of the target, a number close to it, or the part of the expression still missing, for example "if I can make 11 from the other numbers, 11 * 4 gives 44".',
  backward:
    'Work backwards when it helps. Start from the target and ask which operation with one of the numbers would produce it, then what value that leaves you to make from the rest, for example "44 = 50 - 6, so can the other numbers make 50?".',
};

const AVOID: Record<Behavior, string> = {
  verification:
    'Do not check results against the target in words (no "that is not 44", "too big" or "this works"): write each computation, and when an attempt leads nowhere simply start the next one.',
  backtracking: 'Do not abandon an attempt for another one: go straight to a combination that works.',
  subgoal: 'Do not name intermediate goals or make plans: work with the given numbers directly.',
  backward: 'Do not reason backwards from the target: always combine the starting numbers forwards.',
};

const HEADER = `You write worked solutions to Countdown puzzles, thinking aloud as you solve them.

In Countdown you get a few starting numbers and a target. Combine the starting numbers with +, -, * and / (and parentheses) into one expression equal to the target, using each starting number exactly once.

Format:
- Begin your reply with <think> and put all of your reasoning inside <think> </think>.
- Write the reasoning in the first person, in plain text, showing the arithmetic of every step.
- After </think>, write the final answer on the last line as <answer> expression </answer>, for example <answer> (21 - 9) * 4 </answer>. The expression uses only the starting numbers, each exactly once, and never contains "=" or the target. Write nothing after it.`;

const DIRECT = `How to reason:
- Give the solution directly, as a short list of steps of the form "Step 1: 21 - 9 = 12", one operation per step, ending at the target.
- Do not explore: no wrong attempts, no going back, no checking against the target, no plans, no working backwards from the target.`;

/**
 * What Claude is asked to show for a condition. incorrect_only uses the all-behaviors prompt (its
 * traces are filtered by reward afterwards); the derived controls are not generated at all.
 */
export function claudeTraceStyle(condition: PrimingCondition): TraceStyle {
  if (condition.derived) {
    throw new Error(
      `${condition.name} is derived from an all_strategies dataset, not generated: build all_strategies with Claude, then derive it`,
    );
  }
  return { behaviors: condition.behaviors, direct: condition.behaviors.length === 0 };
}

export function claudeSystemPrompt(style: TraceStyle): string {
  if (style.direct) return `${HEADER}\n\n${DIRECT}`;
  const rules = BEHAVIORS.map((b) => `- ${style.behaviors.includes(b) ? SHOW[b] : AVOID[b]}`);
  return `${HEADER}\n\nHow to reason:\n${rules.join('\n')}`;
}
