// The four behaviors of Gandhi et al. (2025) and how an annotation of a solution is shaped.
import type { Trace } from '../tasks/types.ts';

export type { Trace };

export const BEHAVIORS = ['verification', 'backtracking', 'subgoal', 'backward'] as const;
export type Behavior = (typeof BEHAVIORS)[number];

export const BEHAVIOR_LABELS: Record<Behavior, string> = {
  verification: 'Verification',
  backtracking: 'Backtracking',
  subgoal: 'Subgoal setting',
  backward: 'Backward chaining',
};

/** A span of the completion text, [start, end) in UTF-16 code units, with the words that show it. */
export interface BehaviorSpan {
  behavior: Behavior;
  start: number;
  end: number;
  evidence: string;
}

export type BehaviorCounts = Record<Behavior, number>;

export interface Annotation {
  counts: BehaviorCounts;
  spans: BehaviorSpan[];
  /** Which annotator made it: "rules", or a judge such as "claude:claude-sonnet-4-5". */
  annotator: string;
}

export interface Annotator {
  readonly name: string;
  annotate(traces: Trace[], signal?: AbortSignal): Promise<Annotation[]>;
}

export function zeroCounts(): BehaviorCounts {
  return { verification: 0, backtracking: 0, subgoal: 0, backward: 0 };
}
