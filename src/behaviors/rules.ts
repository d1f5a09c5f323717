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
import { NearSet } from './nearSet.ts';
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

/** Goals named so far, the target first; each sentence's cues see the goals named before them. */
function readSentences(problem: CountdownProblem, sentences: Sentence[], stepsBySentence: ArithStep[][]) {
  const goals = new NearSet(1e-6, [problem.target]);
  const subgoals: Array<{ at: number; value: number }> = [];
  const isGoal = (n: number): boolean => goals.has(n);
  const findings: SentenceFindings[] = [];
  for (const s of sentences) {
    const sub = subgoalCues(s.text, s.start, problem.target);
    for (const c of sub) {
      if (c.value === undefined) continue;
      goals.add(c.value);
      subgoals.push({ at: c.start, value: c.value });
    }
    const cues = verificationCues(s.text, s.start, isGoal);
    let verification: Cue | null = cues[0] ?? null;
    if (!verification && WEAK_POSITIVE.test(s.text) && reachedGoal(stepsBySentence, s.index, isGoal)) {
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
function reachedGoal(stepsBySentence: ArithStep[][], sentence: number, isGoal: (n: number) => boolean): boolean {
  const near = [...stepsBySentence[sentence], ...(stepsBySentence[sentence - 1] ?? [])];
  return near.some((st) => isGoal(st.result));
}

export function annotateSpans(problem: CountdownProblem, completion: string): Annotation {
  const sentences = splitSentences(completion);
  const steps = extractSteps(sentences);
  const stepsBySentence = sentences.map((): ArithStep[] => []);
  for (const st of steps) stepsBySentence[st.sentence].push(st);
  const { findings, subgoals } = readSentences(problem, sentences, stepsBySentence);
  const path = readPath(problem, steps, {
    failures: findings.flatMap((f) => f.failure),
    backtrackCues: sentences.flatMap((s) => backtrackCues(s.text, s.start)),
    subgoals,
  });

  const spans: BehaviorSpan[] = [];
  const lastOf = new Map<Behavior, BehaviorSpan>();
  const add = (behavior: Behavior, cue: Cue): void => {
    const span = { behavior, start: cue.start, end: cue.end, evidence: completion.slice(cue.start, cue.end) };
    spans.push(span);
    lastOf.set(behavior, span);
  };
  // A check or a backward chain that runs on into the next sentence with no new arithmetic is one instance.
  const extendOrAdd = (behavior: Behavior, cue: Cue, continues: boolean): void => {
    const last = lastOf.get(behavior);
    if (continues && last) {
      last.end = Math.max(last.end, cue.end);
      last.evidence = completion.slice(last.start, last.end);
    } else {
      add(behavior, cue);
    }
  };

  const backwardStepBySentence = new Map<number, ArithStep>();
  for (const k of path.backwardSteps)
    if (!backwardStepBySentence.has(steps[k].sentence)) backwardStepBySentence.set(steps[k].sentence, steps[k]);
  let prevVerified = false;
  let prevBackward = false;
  for (const s of sentences) {
    const f = findings[s.index];
    if (f.verification)
      extendOrAdd('verification', f.verification, prevVerified && stepsBySentence[s.index].length === 0);
    prevVerified = f.verification !== null;
    if (f.subgoal) add('subgoal', f.subgoal);
    const backStep = backwardStepBySentence.get(s.index);
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
