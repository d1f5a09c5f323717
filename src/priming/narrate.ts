// The offline priming builder's storyteller: it solves a problem and narrates the search with each of the
// four behaviors switched on or off (checks against the target, going back to the start or to an earlier
// result, naming intermediate values, working back from the target), or narrates a failed search that ends
// in a wrong answer. Output is a completion in the paper's format: reasoning, then
// "</think>\n<answer> expr </answer>" with the answer on the last line.
import type { Behavior } from '../behaviors/types.ts';
import { expressionFromSteps, type SolutionStep } from '../tasks/countdown.ts';
import type { Rng } from '../tasks/random.ts';
import type { CountdownProblem } from '../tasks/types.ts';
import * as say from './phrases.ts';
import { chooseSolution, inverseStep, knownOperand, poolAfter, randomWalk } from './search.ts';

export type BehaviorSwitches = Record<Behavior, boolean>;

/** Sentences in order, joined as prose or one per line. */
class Story {
  readonly lines: string[] = [];
  constructor(private readonly asLines: boolean) {}
  add(sentence: string | null): void {
    if (sentence) this.lines.push(sentence);
  }
  finish(answer: string): string {
    const body = this.lines.join(this.asLines ? '\n' : ' ');
    return `${this.asLines ? '\n' : ' '}${body}\n</think>\n<answer> ${answer} </answer>`;
  }
}

function stepLine(step: SolutionStep, opening: boolean, numbered: number | null, rng: Rng): string {
  if (numbered !== null) return `Step ${numbered}: ${step.left} ${step.op} ${step.right} = ${step.result}`;
  return say.stepSentence(step, opening, rng);
}

/** The starting numbers that steps 0..upTo of a solution consume (an operand is a built value when one is pending). */
function sourcesOf(solution: SolutionStep[], upTo: number): number[] {
  const built: number[] = [];
  const sources: number[] = [];
  for (const step of solution.slice(0, upTo + 1)) {
    for (const v of [step.left, step.right]) {
      const k = built.indexOf(v);
      if (k >= 0) built.splice(k, 1);
      else sources.push(v);
    }
    built.push(step.result);
  }
  return sources;
}

/** Narrates one solution: dead ends, a plan from the target, then the solution, as the switches ask. */
class SolutionNarrator {
  private readonly story: Story;
  private readonly numbered: boolean;
  private stepNumber = 1;
  private subgoalNamed = false;
  private readonly subgoalIndex: number;
  private readonly subgoal: number;

  constructor(
    private readonly problem: CountdownProblem,
    private readonly solution: SolutionStep[],
    private readonly on: BehaviorSwitches,
    private readonly rng: Rng,
  ) {
    const noBehavior = !on.verification && !on.backtracking && !on.subgoal && !on.backward;
    this.numbered = noBehavior && rng.chance(0.5);
    this.story = new Story(this.numbered || rng.chance(0.5));
    this.subgoalIndex = solution.length - 2;
    this.subgoal = solution[this.subgoalIndex].result;
  }

  narrate(): string | null {
    const { problem, solution, on, rng, story } = this;
    story.add(say.intro(say.listNumbers(problem.numbers, rng), problem.target, rng));
    const start = on.backtracking ? this.deadEnds() : 0;
    if (start === null) return null;
    if (on.backward) this.planFromTarget();
    this.tell(solution.slice(start), start, true);
    const expression = expressionFromSteps(problem.numbers, solution);
    story.add(
      on.verification ? say.successSentence(expression, problem.target, rng) : say.closingSentence(expression, rng),
    );
    return story.finish(expression);
  }

  /** Solution steps from `offset`, naming the subgoal before the step that builds it. */
  private tell(steps: SolutionStep[], offset: number, judgeSubgoal: boolean): void {
    const { on, rng, story } = this;
    steps.forEach((step, k) => {
      const index = offset + k;
      if (on.subgoal && !this.subgoalNamed && index === this.subgoalIndex) {
        const from = rng.chance(0.5) ? say.listNumbers(sourcesOf(this.solution, index), rng) : null;
        story.add(say.subgoalSentence(this.subgoal, from, rng));
        this.subgoalNamed = true;
      }
      story.add(stepLine(step, k === 0, this.numbered ? this.stepNumber++ : null, rng));
      if (judgeSubgoal && on.verification && on.subgoal && index === this.subgoalIndex && rng.chance(0.5)) {
        story.add(say.subgoalReachedSentence(this.subgoal, rng));
      }
    });
  }

  /**
   * One or two failed attempts, each from the start or (the last, when not planning from the target) from
   * a step of the solution; returns the solution step to resume at, or null when no dead end turns up.
   */
  private deadEnds(): number | null {
    const { problem, solution, on, rng, story } = this;
    const count = rng.int(1, 2);
    let branch = 0;
    for (let d = 0; d < count; d++) {
      const final = d === count - 1;
      branch = final && !on.backward && solution.length >= 3 && rng.chance(0.4) ? rng.int(1, solution.length - 2) : 0;
      const walk = randomWalk(
        poolAfter(problem.numbers, solution.slice(0, branch)),
        problem.target,
        rng,
        solution[branch],
      );
      if (!walk) return null;
      this.tell(solution.slice(0, branch), 0, false);
      if (on.subgoal && !on.verification && walk.length >= 2 && rng.chance(0.5) && walk[0].result !== problem.target) {
        story.add(say.subgoalSentence(walk[0].result, null, rng));
      }
      walk.forEach((step, k) => story.add(stepLine(step, k === 0 && branch === 0, null, rng)));
      if (on.verification) story.add(say.missSentence(walk[walk.length - 1].result, problem.target, rng));
      story.add(
        final && on.backward
          ? say.backwardTurnSentence(rng)
          : say.backtrackSentence(
              branch > 0 ? solution[branch - 1].result : undefined,
              say.listNumbers(problem.numbers, rng),
              rng,
            ),
      );
    }
    return branch;
  }

  /** Undo the last step from the target (or split the target in two), naming what is left to build. */
  private planFromTarget(): void {
    const { problem, solution, on, rng, story } = this;
    const last = solution[solution.length - 1];
    const known = knownOperand(solution);
    if (known) {
      story.add(say.backwardSentence(inverseStep(last, known), problem.target, last, rng));
      if (on.subgoal)
        story.add(say.subgoalSentence(this.subgoal, say.listNumbers(sourcesOf(solution, this.subgoalIndex), rng), rng));
    } else {
      story.add(say.splitTargetSentence(last, rng));
      if (on.subgoal) story.add(`So I need ${last.left} and ${last.right}.`);
    }
    this.subgoalNamed ||= on.subgoal;
  }
}

/** A correct solution narrated with the behaviors asked for; null when this draw cannot show them. */
export function narrateSolution(problem: CountdownProblem, on: BehaviorSwitches, rng: Rng): string | null {
  const solution = chooseSolution(problem, rng);
  // A subgoal equal to the target (x * 1 as the last step) names nothing.
  if (!solution || (on.subgoal && solution[solution.length - 2].result === problem.target)) return null;
  return new SolutionNarrator(problem, solution, on, rng).narrate();
}

/**
 * A failed search that still shows all four behaviors, with every sum true and every check honest (as the
 * paper's incorrect-only traces are Claude's own failures, not false arithmetic): it works back from the
 * target to a value it then cannot build, checks and abandons that, tries the whole set once or twice more,
 * and runs out of tries, committing to its closest result and saying how far off it is.
 */
export function narrateFailure(problem: CountdownProblem, rng: Rng): string | null {
  const { numbers, target } = problem;
  const story = new Story(rng.chance(0.5));
  const n = rng.pick(numbers);
  const rest = [...numbers];
  rest.splice(rest.indexOf(n), 1);
  const routes: SolutionStep[] = [
    { left: target - n, op: '+' as const, right: n, result: target },
    { left: target + n, op: '-' as const, right: n, result: target },
    ...(n !== 0 && target % n === 0 ? [{ left: target / n, op: '*' as const, right: n, result: target }] : []),
  ].filter((r) => r.left > 0 && r.left !== target);
  if (routes.length === 0) return null;
  const route = rng.pick(routes);
  const subgoal = route.left;

  const tryRest = randomWalk(rest, subgoal, rng);
  if (!tryRest) return null;
  // A fresh attempt must not start from a value equal to the abandoned result, or it would read as a continuation.
  const attempts: SolutionStep[][] = [];
  let from = tryRest[tryRest.length - 1].result;
  for (let k = rng.int(1, 2); k > 0; k--) {
    const walk = randomWalk(numbers, target, rng, attempts.at(-1)?.[0] ?? tryRest[0], from);
    if (!walk) return null;
    attempts.push(walk);
    from = walk[walk.length - 1].result;
  }

  story.add(say.intro(say.listNumbers(numbers, rng), target, rng));
  story.add(say.backwardSentence(inverseStep(route, 'right'), target, route, rng));
  story.add(say.subgoalSentence(subgoal, say.listNumbers(rest, rng), rng));
  tryRest.forEach((step, k) => story.add(stepLine(step, k === 0, null, rng)));
  story.add(say.missSentence(tryRest[tryRest.length - 1].result, subgoal, rng));
  attempts.forEach((walk) => {
    story.add(say.backtrackSentence(undefined, say.listNumbers(numbers, rng), rng));
    walk.forEach((step, k) => story.add(stepLine(step, k === 0, null, rng)));
    story.add(say.missSentence(walk[walk.length - 1].result, target, rng));
  });
  const offBy = (walk: SolutionStep[]) => Math.abs(walk[walk.length - 1].result - target);
  const closest = attempts.reduce((best, walk) => (offBy(walk) < offBy(best) ? walk : best));
  const expression = expressionFromSteps(numbers, closest);
  story.add(say.giveUpSentence(expression, closest[closest.length - 1].result, target, rng));
  return story.finish(expression);
}
