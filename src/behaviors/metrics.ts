// What one RL step (or one evaluation) is summarised as: the numbers every chart and table reads.
import { BEHAVIORS, zeroCounts, type Annotation, type BehaviorCounts } from './types.ts';

export interface StepMetrics {
  step: number;
  meanReward: number;
  /** Share of completions with reward 1 (binary accuracy, as the paper reports). */
  accuracy: number;
  /** Mean completion length in characters (the paper's unit). */
  meanLength: number;
  /** Mean count per completion of each behavior. */
  behaviors: BehaviorCounts;
  /** Share of the annotated completions that show each behavior at least once. */
  shown?: BehaviorCounts;
  kl?: number;
  clipFraction?: number;
  loss?: number;
  tokensPerSecond?: number;
}

export interface ScoredCompletion {
  completion: string;
  reward: number;
  annotation?: Annotation;
}

/** Means over a step's completions (behaviors over the annotated ones). */
export function summarizeStep(step: number, rows: ScoredCompletion[]): StepMetrics {
  const n = Math.max(1, rows.length);
  const annotated = rows.filter((r) => r.annotation);
  const behaviors = zeroCounts();
  const shown = zeroCounts();
  for (const r of annotated)
    for (const b of BEHAVIORS) {
      behaviors[b] += r.annotation!.counts[b];
      shown[b] += r.annotation!.counts[b] > 0 ? 1 : 0;
    }
  for (const b of BEHAVIORS) {
    behaviors[b] /= Math.max(1, annotated.length);
    shown[b] /= Math.max(1, annotated.length);
  }
  return {
    step,
    meanReward: rows.reduce((s, r) => s + r.reward, 0) / n,
    accuracy: rows.filter((r) => r.reward >= 1).length / n,
    meanLength: rows.reduce((s, r) => s + r.completion.length, 0) / n,
    behaviors,
    shown,
  };
}
