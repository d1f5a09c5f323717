// Follows the search a completion narrates, step by step, to find where it backtracks and where it works
// back from the target. Forward steps move a state (the values still on the table); the paper's rule for
// Countdown is that a new combination that does not build on the previous result is backtracking. Steps
// that merely restate the current path, parallel sub-results built from untouched numbers (3 + 5 and 7 - 1
// on the way to (3 + 5) * (7 - 1)), and planning steps that start from the target are not.
import { applyOp } from '../tasks/expression.ts';
import type { CountdownProblem } from '../tasks/types.ts';
import type { ArithStep } from './rulesArithmetic.ts';
import type { Cue } from './rulesCues.ts';
import { NearSet } from './nearSet.ts';

export interface PathEvents {
  /** Negative verdicts ("too big", "not 22"): the path before them is dead. */
  failures: Cue[];
  backtrackCues: Array<Cue & { strong: boolean }>;
  /** Values the text named as intermediate goals, by where they were named. */
  subgoals: Array<{ at: number; value: number }>;
}

export interface PathReading {
  /** Where each backtrack happens (the cue that announces it, through the step that takes it). */
  backtracks: Cue[];
  /** Indexes of steps that reason from the target (or from a value derived from it) toward the numbers. */
  backwardSteps: number[];
}

const TOLERANCE = 1e-6;
const near = (a: number, b: number): boolean => Math.abs(a - b) < TOLERANCE;
/** How many of its latest states the reader can return to (a Countdown search is a few steps deep; a longer
 * memory would only make a pathological text slower to read). */
const MEMORY = 64;
const includes = (values: number[], v: number): boolean => values.some((x) => near(x, v));

function stepKey(left: number, op: string, right: number, result: number): string {
  const [a, b] = op === '+' || op === '*' ? [left, right].sort((x, y) => x - y) : [left, right];
  return `${a}${op}${b}=${Math.round(result * 1e6) / 1e6}`;
}

/** Removes `values` from the multiset `pool`; null if one of them is missing. */
function take(pool: number[], values: number[]): number[] | null {
  const rest = [...pool];
  for (const v of values) {
    const i = rest.findIndex((p) => near(p, v));
    if (i < 0) return null;
    rest.splice(i, 1);
  }
  return rest;
}

/**
 * For steps that came from one multi-operator expression, the numbers it is written with and its value,
 * so a restated answer can be told from a new attempt. Undefined for single-operator expressions.
 */
function chunkGroups(steps: ArithStep[]): (index: number) => { leaves: number[]; value: number } | undefined {
  const byStart = new Map<number, number[]>();
  steps.forEach((s, i) => {
    const members = byStart.get(s.start);
    if (members) members.push(i);
    else byStart.set(s.start, [i]);
  });
  return (index) => {
    const members = byStart.get(steps[index].start) ?? [];
    if (members.length < 2 || steps[index].left === null) return undefined;
    const results: number[] = [];
    const leaves: number[] = [];
    for (const i of members) {
      for (const v of [steps[i].left as number, steps[i].right]) {
        const k = results.findIndex((r) => near(r, v));
        if (k >= 0) results.splice(k, 1);
        else leaves.push(v);
      }
      results.push(steps[i].result);
    }
    return { leaves, value: steps[members[members.length - 1]].result };
  };
}

interface State {
  pool: number[];
  /** The latest MEMORY steps of the path, as stepKey()s. */
  path: string[];
  /** Steps on the whole path. */
  depth: number;
}

interface ResolvedStep {
  index: number;
  step: ArithStep;
  operands: number[];
  result: number;
}

class PathReader {
  readonly backtracks: Cue[] = [];
  readonly backwardSteps: number[] = [];
  private readonly numbers: number[];
  /** The target and values worked out backward from it. */
  private readonly derived: NearSet;
  /** Starting numbers and every result built forward so far. */
  private readonly known: NearSet;
  /** Values the text named as goals before the step being read (subgoals up to `namedUpTo`). */
  private readonly named = new NearSet(TOLERANCE);
  private namedUpTo = 0;
  private state: State;
  private readonly history: State[];
  private prev: number | null = null;
  private forwardSeen = false;
  private dead = false;
  private pending: (Cue & { strong: boolean }) | null = null;
  /** A planning step already counted the backtrack; the next fresh step just starts the new path. */
  private restartQuietly = false;
  private readonly groupOf: ReturnType<typeof chunkGroups>;

  constructor(
    problem: CountdownProblem,
    private readonly steps: ArithStep[],
    private readonly subgoals: PathEvents['subgoals'],
  ) {
    this.numbers = problem.numbers;
    this.derived = new NearSet(TOLERANCE, [problem.target]);
    this.known = new NearSet(TOLERANCE, problem.numbers);
    this.state = { pool: [...problem.numbers], path: [], depth: 0 };
    this.history = [this.state];
    this.groupOf = chunkGroups(steps);
  }

  failure(): void {
    if (this.forwardSeen) this.dead = true;
  }

  cue(cue: Cue & { strong: boolean }): void {
    if (this.forwardSeen && (!this.pending || (cue.strong && !this.pending.strong))) this.pending = cue;
  }

  step(index: number): void {
    const step = this.steps[index];
    const left = step.left ?? this.prev;
    if (left === null || (Number.isNaN(step.result) && step.op === '/' && step.right === 0)) return;
    const result = Number.isNaN(step.result) ? applyOp(step.op, left, step.right) : step.result;
    const s: ResolvedStep = { index, step, operands: [left, step.right], result };
    if (this.restatesWholeResult(index)) return;
    if (this.fromTarget(s)) this.planning(s);
    else if (this.grounded(s)) this.forward(s);
  }

  finish(): PathReading {
    if (this.pending?.strong) this.backtracks.push({ start: this.pending.start, end: this.pending.end });
    return { backtracks: this.backtracks, backwardSteps: this.backwardSteps };
  }

  private emit(step: ArithStep): void {
    this.backtracks.push({ start: Math.min(this.pending?.start ?? step.start, step.start), end: step.end });
  }

  /** A whole expression restating the current result ("So: 3 * 5 + 7") changes nothing. */
  private restatesWholeResult(index: number): boolean {
    const group = this.groupOf(index);
    return !!group && this.prev !== null && near(group.value, this.prev) && take(this.numbers, group.leaves) !== null;
  }

  /** The target (or a value derived from it and never built forward) taken apart or used as an operand. */
  private fromTarget({ step, operands }: ResolvedStep): boolean {
    if (step.form === 'decompose') return step.whole !== undefined && this.derived.has(step.whole);
    return operands.some((v) => this.derived.has(v) && !this.known.has(v));
  }

  /** Every operand is a number, a built result, or a value the text derived or named. */
  private grounded({ step, operands }: ResolvedStep): boolean {
    // Steps are read in the order of the text, and the subgoals are listed in that order too.
    for (let g = this.subgoals[this.namedUpTo]; g && g.at < step.start; g = this.subgoals[++this.namedUpTo])
      this.named.add(g.value);
    return operands.every((v) => this.known.has(v) || this.derived.has(v) || this.named.has(v));
  }

  private planning({ index, step, operands, result }: ResolvedStep): void {
    this.backwardSteps.push(index);
    for (const v of [...operands, result]) if (!includes(this.numbers, v) && !this.derived.has(v)) this.derived.add(v);
    if (this.forwardSeen && (this.dead || this.pending)) {
      this.emit(step);
      this.restartQuietly = true;
    }
    this.dead = false;
    this.pending = null;
  }

  private forward({ step, operands, result }: ResolvedStep): void {
    const key = stepKey(operands[0], step.op, operands[1], result);
    const onPath = this.state.path.indexOf(key);
    const judged = this.dead || this.pending !== null;
    if (onPath >= 0) {
      // Saying a step of the current path again: a recap, or (after a failure) a return to that point.
      if (judged) {
        this.emit(step);
        const depth = this.state.depth - this.state.path.length + onPath + 1;
        this.state = this.history.find((h) => h.depth === depth && h.path.at(-1) === key) ?? this.state;
      }
    } else {
      const usesPrev = this.prev !== null && includes(operands, this.prev);
      const available = take(this.state.pool, operands) !== null;
      const backtracking = this.forwardSeen && (judged ? !(usesPrev && available) : !usesPrev && !available);
      if (backtracking) {
        if (!this.restartQuietly) this.emit(step);
        this.state = this.restoreFor(operands);
      }
      const pool = take(this.state.pool, operands) ?? this.state.pool.filter((p) => !includes(operands, p));
      const path = [...this.state.path.slice(1 - MEMORY), key];
      this.state = { pool: [...pool, result], path, depth: this.state.depth + 1 };
      this.history.push(this.state);
      if (this.history.length > MEMORY) this.history.shift();
      this.restartQuietly = false;
    }
    this.known.add(result);
    this.prev = result;
    this.forwardSeen = true;
    this.dead = false;
    this.pending = null;
  }

  /** The latest earlier state that still had these operands on the table (else the start). */
  private restoreFor(operands: number[]): State {
    for (let i = this.history.length - 1; i >= 0; i--) if (take(this.history[i].pool, operands)) return this.history[i];
    return { pool: [...this.numbers], path: [], depth: 0 };
  }
}

type Event =
  | { at: number; kind: 'step'; index: number }
  | { at: number; kind: 'failure' }
  | { at: number; kind: 'cue'; cue: Cue & { strong: boolean } };

export function readPath(problem: CountdownProblem, steps: ArithStep[], events: PathEvents): PathReading {
  const reader = new PathReader(problem, steps, events.subgoals);
  const timeline: Event[] = [
    ...steps.map((s, index) => ({ at: s.start, kind: 'step' as const, index })),
    ...events.failures.map((c) => ({ at: c.start, kind: 'failure' as const })),
    ...events.backtrackCues.map((cue) => ({ at: cue.start, kind: 'cue' as const, cue })),
  ].sort((a, b) => a.at - b.at || (a.kind === 'step' ? 1 : -1));
  for (const ev of timeline) {
    if (ev.kind === 'failure') reader.failure();
    else if (ev.kind === 'cue') reader.cue(ev.cue);
    else reader.step(ev.index);
  }
  return reader.finish();
}
