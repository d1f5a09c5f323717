// The rule annotator ("rules"): finds the four behaviors of Gandhi et al. in a Countdown completion from
// the arithmetic it narrates and the words around it, and returns them as spans of the text. Counts are the
// number of spans per behavior, so every count can be shown and argued with.
//
// verification  a result checked against the target, a named goal or a rule ("... not 22", "too high",
//               "this works", "let me check", "each number used once")
// backtracking  a path abandoned for another: in Countdown, a new combination that does not build on the
//               previous result (the paper's rule), found by following the state of the search
// subgoal       an intermediate target named ("first get to 12", "I need 2 more", "a factor of 24")
// backward      reasoning from the target back toward the numbers ("22 - 7 = 15, so ...", "30 = 10 * 3")
import type { CountdownProblem } from '../tasks/types.ts';
import { extractSteps, type ArithStep } from './rulesArithmetic.ts';
import { backtrackCues, backwardCues, subgoalCues, verificationCues, WEAK_POSITIVE, type Cue } from './rulesCues.ts';
import { readPath } from './rulesPath.ts';
import { splitSentences, type Sentence } from './rulesText.ts';
import { zeroCounts, type Annotation, type Annotator, type Behavior, type BehaviorSpan, type Trace } from './types.ts';

export const RULES_ANNOTATOR_NAME = 'rules';

interface SentenceFindings {
  verification: Cue | null;
  failure: Cue[];
  subgoal: Cue | null;
  backward: Cue | null;
}

const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

/** Goals named so far, the target first; each sentence's cues see the goals named before them. */
function readSentences(problem: CountdownProblem, sentences: Sentence[], steps: ArithStep[]) {
  const goals: number[] = [problem.target];
  const subgoals: Array<{ at: number; value: number }> = [];
  const isGoal = (n: number): boolean => goals.some((g) => near(g, n));
  const findings: SentenceFindings[] = [];
  for (const s of sentences) {
    const sub = subgoalCues(s.text, s.start, problem.target);
    for (const c of sub) {
      if (c.value === undefined) continue;
      goals.push(c.value);
      subgoals.push({ at: c.start, value: c.value });
    }
    const cues = verificationCues(s.text, s.start, isGoal);
    let verification: Cue | null = cues[0] ?? null;
    if (!verification && WEAK_POSITIVE.test(s.text) && reachedGoal(steps, s.index, isGoal)) {
      verification = { start: s.start, end: s.start + (WEAK_POSITIVE.exec(s.text)?.[0].length ?? 0) };
    }
    findings.push({
      verification,
      failure: cues.filter((c) => c.verdict === 'negative'),
      subgoal: sub[0] ?? null,
      backward: backwardCues(s.text, s.start, problem.target)[0] ?? null,
    });
  }
  return { findings, subgoals };
}

/** A step in this sentence or the one before ends on a goal value. */
function reachedGoal(steps: ArithStep[], sentence: number, isGoal: (n: number) => boolean): boolean {
  return steps.some((st) => (st.sentence === sentence || st.sentence === sentence - 1) && isGoal(st.result));
}

export function annotateSpans(problem: CountdownProblem, completion: string): Annotation {
  const sentences = splitSentences(completion);
  const steps = extractSteps(sentences);
  const { findings, subgoals } = readSentences(problem, sentences, steps);
  const path = readPath(problem, steps, {
    failures: findings.flatMap((f) => f.failure),
    backtrackCues: sentences.flatMap((s) => backtrackCues(s.text, s.start)),
    subgoals,
  });

  const spans: BehaviorSpan[] = [];
  const add = (behavior: Behavior, cue: Cue): void => {
    spans.push({ behavior, start: cue.start, end: cue.end, evidence: completion.slice(cue.start, cue.end) });
  };
  // A check or a backward chain that runs on into the next sentence with no new arithmetic is one instance.
  const extendOrAdd = (behavior: Behavior, cue: Cue, continues: boolean): void => {
    const last = spans.findLast((sp) => sp.behavior === behavior);
    if (continues && last) {
      last.end = Math.max(last.end, cue.end);
      last.evidence = completion.slice(last.start, last.end);
    } else {
      add(behavior, cue);
    }
  };

  const stepsIn = (i: number): ArithStep[] => steps.filter((st) => st.sentence === i);
  const backwardStepIn = (i: number): ArithStep | undefined =>
    path.backwardSteps.map((k) => steps[k]).find((st) => st.sentence === i);
  let prevVerified = false;
  let prevBackward = false;
  for (const s of sentences) {
    const f = findings[s.index];
    if (f.verification) extendOrAdd('verification', f.verification, prevVerified && stepsIn(s.index).length === 0);
    prevVerified = f.verification !== null;
    if (f.subgoal) add('subgoal', f.subgoal);
    const backStep = backwardStepIn(s.index);
    const backward = f.backward ?? (backStep ? { start: backStep.start, end: backStep.end } : null);
    if (backward) extendOrAdd('backward', backward, prevBackward);
    prevBackward = backward !== null;
  }
  for (const b of path.backtracks) add('backtracking', b);

  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const counts = zeroCounts();
  for (const sp of spans) counts[sp.behavior]++;
  return { counts, spans, annotator: RULES_ANNOTATOR_NAME };
}

/** The rule annotator behind the common Annotator interface (synchronous work, no network). */
export const rulesAnnotator: Annotator = {
  name: RULES_ANNOTATOR_NAME,
  async annotate(traces: Trace[], signal?: AbortSignal): Promise<Annotation[]> {
    return traces.map((t) => {
      signal?.throwIfAborted();
      return annotateSpans(t.problem, t.completion);
    });
  },
};
