// How far two annotators agree on the same traces, behavior by behavior: whether a behavior is
// present at all (accuracy and Cohen's kappa) and how many times (mean absolute count difference).
import { BEHAVIORS, type Annotation, type Behavior } from './types.ts';

/** An annotation that may carry a judge's failure; failed ones are left out of the comparison. */
export type ComparableAnnotation = Annotation & { error?: string };

export interface BehaviorAgreement {
  /** Share of traces where both say present or both say absent. */
  presenceAccuracy: number;
  /** Cohen's kappa on presence; null when undefined (both gave one label to every trace). */
  kappa: number | null;
  meanAbsCountDiff: number;
  /** Share of traces each annotator marks as showing the behavior. */
  presentRateA: number;
  presentRateB: number;
}

export interface AgreementReport {
  annotatorA: string;
  annotatorB: string;
  /** Traces compared. */
  compared: number;
  /** Indices left out because either annotation failed. */
  skipped: number[];
  perBehavior: Record<Behavior, BehaviorAgreement>;
  summary: {
    meanPresenceAccuracy: number;
    /** Mean over behaviors whose kappa is defined; null when none is. */
    meanKappa: number | null;
    meanAbsCountDiff: number;
  };
}

export function annotatorAgreement(
  a: readonly ComparableAnnotation[],
  b: readonly ComparableAnnotation[],
): AgreementReport {
  if (a.length !== b.length) {
    throw new Error(
      `agreement: annotator A has ${a.length} annotations but B has ${b.length}; they must cover the same traces`,
    );
  }
  const skipped: number[] = [];
  const pairs: [Annotation, Annotation][] = [];
  a.forEach((x, i) => (x.error || b[i].error ? skipped.push(i) : pairs.push([x, b[i]])));
  if (pairs.length === 0) throw new Error('agreement: no trace has a usable annotation from both annotators');
  const perBehavior = Object.fromEntries(
    BEHAVIORS.map((behavior) => [behavior, behaviorAgreement(pairs, behavior)]),
  ) as Record<Behavior, BehaviorAgreement>;
  const rows = BEHAVIORS.map((behavior) => perBehavior[behavior]);
  const kappas = rows.map((r) => r.kappa).filter((k): k is number => k !== null);
  return {
    annotatorA: a[0]?.annotator ?? '',
    annotatorB: b[0]?.annotator ?? '',
    compared: pairs.length,
    skipped,
    perBehavior,
    summary: {
      meanPresenceAccuracy: mean(rows.map((r) => r.presenceAccuracy)),
      meanKappa: kappas.length > 0 ? mean(kappas) : null,
      meanAbsCountDiff: mean(rows.map((r) => r.meanAbsCountDiff)),
    },
  };
}

function behaviorAgreement(pairs: [Annotation, Annotation][], behavior: Behavior): BehaviorAgreement {
  const presentA = pairs.map(([x]) => x.counts[behavior] > 0);
  const presentB = pairs.map(([, y]) => y.counts[behavior] > 0);
  return {
    presenceAccuracy: mean(presentA.map((p, i) => (p === presentB[i] ? 1 : 0))),
    kappa: cohenKappa(presentA, presentB),
    meanAbsCountDiff: mean(pairs.map(([x, y]) => Math.abs(x.counts[behavior] - y.counts[behavior]))),
    presentRateA: mean(presentA.map(Number)),
    presentRateB: mean(presentB.map(Number)),
  };
}

/**
 * Kappa = (observed - expected) / (1 - expected), with expected agreement from each side's own
 * rate of "present". Expected agreement is 1 only when both sides gave every trace the same single
 * label; kappa is then 0/0, so it is reported as undefined (null) rather than guessed.
 */
export function cohenKappa(a: readonly boolean[], b: readonly boolean[]): number | null {
  const observed = mean(a.map((x, i) => (x === b[i] ? 1 : 0)));
  const rateA = mean(a.map(Number));
  const rateB = mean(b.map(Number));
  const expected = rateA * rateB + (1 - rateA) * (1 - rateB);
  if (expected >= 1) return null;
  return (observed - expected) / (1 - expected);
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
