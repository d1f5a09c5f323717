// The offline priming builder: problems from the seeded generator, each narrated with exactly the
// behaviors its condition asks for, kept only when the rule annotator finds exactly those behaviors and the
// answer is right (or, for incorrect_only, wrong). No network, no model: the same seed gives the same data.
import { annotateSpans } from '../behaviors/rules.ts';
import { BEHAVIORS } from '../behaviors/types.ts';
import { generateCountdownProblems, type CountdownPreset } from '../tasks/countdown.ts';
import { countdownTask } from '../tasks/countdownTask.ts';
import { renderPrompt, type Task } from '../tasks/task.ts';
import { createRng, type Rng } from '../tasks/random.ts';
import { countdownReward } from '../tasks/reward.ts';
import type { CountdownProblem } from '../tasks/types.ts';
import {
  behaviorSwitches,
  CONDITIONS,
  primingCondition,
  type PrimingCondition,
  type PrimingConditionName,
} from './conditions.ts';
import { emptyCot, lengthMatched } from './controls.ts';
import { narrateFailure, narrateSolution } from './narrate.ts';
import type { PrimingDataset, PrimingTrace } from './types.ts';

export interface BuildOptions {
  condition: PrimingConditionName | string;
  count: number;
  seed: number;
  /** The task whose priming problems are narrated and whose prompt the traces carry (default: Countdown). */
  task?: Task;
  /** Problems from this preset instead of the task's priming split. */
  preset?: CountdownPreset;
  /** Needed for length_matched: the token count of a text in the tokenizer of the model to be primed. */
  countTokens?: (text: string) => number;
}

/** Narrations tried per problem before moving on to the next problem. */
const DRAWS_PER_PROBLEM = 6;

export function primingTrace(problem: CountdownProblem, completion: string, task: Task = countdownTask): PrimingTrace {
  return {
    problem,
    prompt: renderPrompt(task, problem, 'base'),
    completion,
    reward: countdownReward(completion, problem),
    counts: annotateSpans(problem, completion).counts,
  };
}

/** True when the trace shows exactly the condition's behaviors and its answer is right or wrong as asked. */
export function meetsCondition(trace: PrimingTrace, condition: PrimingCondition): boolean {
  const behaviorsOk = BEHAVIORS.every((b) => trace.counts[b] > 0 === condition.behaviors.includes(b));
  const answerOk = condition.answers === 'correct' ? trace.reward === 1 : trace.reward < 1;
  return behaviorsOk && answerOk;
}

function narrate(problem: CountdownProblem, condition: PrimingCondition, rng: Rng, task: Task): PrimingTrace | null {
  for (let draw = 0; draw < DRAWS_PER_PROBLEM; draw++) {
    const completion =
      condition.answers === 'incorrect'
        ? narrateFailure(problem, rng)
        : narrateSolution(problem, behaviorSwitches(condition), rng);
    if (completion === null) continue;
    const trace = primingTrace(problem, completion, task);
    if (meetsCondition(trace, condition)) return trace;
  }
  return null;
}

/** `count` problems for a seed; asking for more keeps the prefix. */
type ProblemSource = (count: number, seed: number) => CountdownProblem[];

function buildNarrated(
  condition: PrimingCondition,
  count: number,
  seed: number,
  source: { task: Task; problems: ProblemSource; name: string },
): PrimingDataset {
  const rng = createRng(seed ^ 0x5eed);
  const traces: PrimingTrace[] = [];
  let problems: CountdownProblem[] = [];
  for (let next = 0; traces.length < count; next++) {
    if (next >= problems.length) {
      if (next > count * 4 + 100)
        throw new Error(`could not narrate ${count} ${condition.name} traces (got ${traces.length})`);
      problems = source.problems(Math.max(16, problems.length * 2, count + 8), seed);
    }
    const trace = narrate(problems[next], condition, rng, source.task);
    if (trace) traces.push(trace);
  }
  return {
    condition: condition.name,
    source: 'offline',
    createdAt: new Date().toISOString(),
    problems: traces.map((t) => t.problem),
    traces,
    notes: { seed, problems: source.name },
  };
}

export function buildPrimingDataset({
  condition,
  count,
  seed,
  task = countdownTask,
  preset,
  countTokens,
}: BuildOptions): PrimingDataset {
  const spec = primingCondition(condition);
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
  const source = preset
    ? {
        task,
        problems: (n: number, s: number) => generateCountdownProblems({ count: n, seed: s, preset }),
        name: preset.name,
      }
    : { task, problems: (n: number, s: number) => task.problems('priming', n, s), name: `${task.name} priming` };
  if (spec.derived === undefined) return buildNarrated(spec, count, seed, source);
  const base = buildNarrated(CONDITIONS.all_strategies, count, seed, source);
  if (spec.derived === 'empty_cot') return emptyCot(base);
  if (!countTokens) throw new Error('length_matched needs a tokenizer (countTokens) to match lengths in tokens');
  return lengthMatched(base, countTokens);
}
