// The shape of a priming dataset, whoever built it (the offline narrator, Claude, a derived control).
import type { BehaviorCounts } from '../behaviors/types.ts';
import type { CountdownProblem } from '../tasks/types.ts';
import type { PrimingConditionName } from './conditions.ts';

export interface PrimingTrace {
  problem: CountdownProblem;
  /** The text the model is trained to continue (the paper's base template, ending in an opened <think>). */
  prompt: string;
  /** The continuation: reasoning, then "</think>\n<answer> expr </answer>" with the answer on the last line. */
  completion: string;
  /** countdownReward of the completion (0, 0.1 or 1). */
  reward: number;
  /** Behavior counts of the completion by the rule annotator. */
  counts: BehaviorCounts;
}

export interface PrimingDataset {
  condition: PrimingConditionName;
  /** Who wrote the reasoning: the offline narrator or Claude (a derived control keeps its base's source). */
  source: 'offline' | 'claude';
  /** ISO 8601. */
  createdAt: string;
  problems: CountdownProblem[];
  traces: PrimingTrace[];
  /** Free-form provenance: seed, preset, model, the dataset a control was derived from. */
  notes?: Record<string, string | number>;
}
