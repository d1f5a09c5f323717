// What the LLM judge is told. One request per trace asks for all four behaviors at once and for
// the words that show each instance, so every count can be checked against the text. The system
// prompt is the same for every trace, which lets the Claude backend cache it.
import type { Trace } from './types.ts';

export const JUDGE_SYSTEM_PROMPT = `You annotate reasoning written by a language model while it solves a Countdown puzzle.

In Countdown the solver gets a few numbers and a target. It must combine the numbers with +, -, * and / into one expression equal to the target, using each number exactly once. The reasoning you read is the solver's scratch work, usually followed by a final answer in <answer> tags.

Your job is to find every instance of four reasoning behaviors and to quote the words that show each one.

## The behaviors

verification
  The solver explicitly checks a result it has just computed against the target (or checks that a finished expression really equals the target and uses the right numbers).
  Counts: "41 + 6 = 47, that is not 45", "that gives 52, too big", "so 8 * 3 = 24, which is the target", "let me check: (9 - 3) * 4 = 24, correct".
  Does not count: computing a value without comparing it to anything ("9 - 3 = 6"), or merely restating the target.

backtracking
  The solver realizes a path will not work and explicitly goes back to try a different approach. In Countdown, any attempt at a new combination of numbers that does not directly use the result of the previous computation is backtracking, even when the solver does not announce it.
  Counts: "that doesn't work, let's try multiplying instead", "Let's start over with 12 and 5", and an unannounced fresh start such as "14 - 6 = 8" right after a line that computed 9 * 7 = 63 and did not go on from 63.
  Does not count: a computation that builds on the previous result ("63 - 8 = 55" after "9 * 7 = 63"), or the very first attempt.

subgoal
  The solver breaks the problem into smaller intermediate goals: a value to reach first, a piece of the expression to build, a plan of steps.
  Counts: "first I'll try to make 10, then multiply by the 3", "we need two numbers whose product is near 50", "if I can get 6 from 2 and 4, then 6 * 8 works".
  Does not count: simply doing a computation with no stated intermediate aim.

backward
  Backward chaining: the solver starts from the target and works backwards toward the given numbers, asking what would produce the target.
  Counts: "72 is 8 * 9, so I need a 9 from the rest", "to reach 30 I need 30 - 17 = 13 more", "target 45 = 50 - 5, can I get 50?".
  Does not count: combining the given numbers forwards and only then comparing with the target (that is verification).

## How to count

- One instance is one distinct occurrence. Two checks of two different results are two verification instances; the same sentence repeated later is a new instance.
- One sentence may show several behaviors; list it under each behavior it shows.
- Annotate only the reasoning between the <reasoning> tags. Ignore the task statement.
- If a behavior never occurs, give an empty list for it.

## Quotes

For each instance give a quote: a short span copied character for character from the reasoning (the shortest span that shows the instance, at most about 25 words). Do not paraphrase, fix typos, change numbers or join pieces from different places. If the same words occur more than once and both are instances, quote each occurrence separately.

## Example

Numbers: 7, 4, 9. Target: 19.
<reasoning>
I want 19. 7 + 4 = 11, then 11 + 9 = 20. 20 is not 19.
Let me try a different pair: 9 - 4 = 5, 5 * 7 = 35, too big.
Working back from 19: 19 = 28 - 9, so I need 28 from 7 and 4.
7 * 4 = 28, and 28 - 9 = 19. That's the target.
</reasoning>

<annotation>
{"verification": ["20 is not 19", "too big", "That's the target"], "backtracking": ["Let me try a different pair", "Working back from 19"], "subgoal": ["so I need 28 from 7 and 4"], "backward": ["19 = 28 - 9"]}
</annotation>

"11 + 9 = 20" builds on 11, so it is not backtracking; "Working back from 19" drops the 35 path for a new start, so it is. The third line shows both a backward step and a subgoal, and is listed under each.

## Output format

Reply with exactly one block in this form and nothing after it:

<annotation>
{"verification": ["quote", ...], "backtracking": ["quote", ...], "subgoal": ["quote", ...], "backward": ["quote", ...]}
</annotation>

The content of the block must be valid JSON: one object with exactly these four keys, each mapped to a list of strings. Escape double quotes and backslashes inside quotes as JSON requires. The number of quotes in a list is your count for that behavior.`;

export function judgeUserMessage(trace: Trace): string {
  const { numbers, target } = trace.problem;
  return [
    `Numbers: ${numbers.join(', ')}`,
    `Target: ${target}`,
    '',
    '<reasoning>',
    trace.completion,
    '</reasoning>',
    '',
    'Annotate the reasoning above.',
  ].join('\n');
}

/** Sent after an output that could not be read, with the reason, to ask once more. */
export function judgeRepairMessage(cause: string): string {
  return `Your reply could not be read: ${cause}. Reply again with only the <annotation> block holding one JSON object with the keys "verification", "backtracking", "subgoal" and "backward", each a list of quotes.`;
}
