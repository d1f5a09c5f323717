// The priming conditions of Gandhi et al. (generate_cot_datasets/api_gen.py and the derived controls),
// as data: which behaviors a condition's traces must show, and whether their answers are right.
import { BEHAVIORS, type Behavior } from '../behaviors/types.ts';

export const PRIMING_CONDITIONS = [
  'all_strategies',
  'only_backtracking',
  'backtracking_verification',
  'backtracking_subgoal',
  'backtracking_backward',
  'negative_control',
  'empty_cot',
  'length_matched',
  'incorrect_only',
] as const;

export type PrimingConditionName = (typeof PRIMING_CONDITIONS)[number];

export interface PrimingCondition {
  name: PrimingConditionName;
  description: string;
  /** The behaviors every trace must show; the others must be absent. */
  behaviors: Behavior[];
  /** Whether every final answer is right ('correct') or every one wrong ('incorrect'). */
  answers: 'correct' | 'incorrect';
  /** Derived controls are made from an all_strategies dataset rather than generated. */
  derived?: 'empty_cot' | 'length_matched';
}

const ALL: Behavior[] = [...BEHAVIORS];

export const CONDITIONS: Record<PrimingConditionName, PrimingCondition> = {
  all_strategies: {
    name: 'all_strategies',
    description: 'Verification, backtracking, subgoal setting and backward chaining together.',
    behaviors: ALL,
    answers: 'correct',
  },
  only_backtracking: {
    name: 'only_backtracking',
    description: 'Backtracking to the start or an earlier step; results are not judged aloud.',
    behaviors: ['backtracking'],
    answers: 'correct',
  },
  backtracking_verification: {
    name: 'backtracking_verification',
    description: 'Each result is checked against the target, and failed paths are abandoned.',
    behaviors: ['backtracking', 'verification'],
    answers: 'correct',
  },
  backtracking_subgoal: {
    name: 'backtracking_subgoal',
    description: 'Intermediate targets are named; failed paths are abandoned.',
    behaviors: ['backtracking', 'subgoal'],
    answers: 'correct',
  },
  backtracking_backward: {
    name: 'backtracking_backward',
    description: 'Work back from the target when it helps; failed paths are abandoned.',
    behaviors: ['backtracking', 'backward'],
    answers: 'correct',
  },
  negative_control: {
    name: 'negative_control',
    description: 'The solution directly, one step per line, with no search and no checks.',
    behaviors: [],
    answers: 'correct',
  },
  empty_cot: {
    name: 'empty_cot',
    description: 'all_strategies with the reasoning removed: "<think> </think>" then the answer.',
    behaviors: [],
    answers: 'correct',
    derived: 'empty_cot',
  },
  length_matched: {
    name: 'length_matched',
    description: 'all_strategies with the reasoning replaced by " ." repeated to the same number of tokens.',
    behaviors: [],
    answers: 'correct',
    derived: 'length_matched',
  },
  incorrect_only: {
    name: 'incorrect_only',
    description:
      'All four behaviors with true arithmetic and honest checks; the search runs out of tries and commits to its closest (wrong) result.',
    behaviors: ALL,
    answers: 'incorrect',
  },
};

export function primingCondition(name: string): PrimingCondition {
  if (!(PRIMING_CONDITIONS as readonly string[]).includes(name)) {
    throw new Error(`unknown priming condition "${name}" (known: ${PRIMING_CONDITIONS.join(', ')})`);
  }
  return CONDITIONS[name as PrimingConditionName];
}

/** Conditions made from another dataset when one is named (`from`): the paper's controls. */
export const DERIVABLE = ['empty_cot', 'length_matched', 'incorrect_only'] as const;
export type DerivableCondition = (typeof DERIVABLE)[number];

export function isDerivable(name: string): name is DerivableCondition {
  return (DERIVABLE as readonly string[]).includes(name);
}

/** Whether the condition asks for each behavior, as a lookup. */
export function behaviorSwitches(condition: PrimingCondition): Record<Behavior, boolean> {
  return Object.fromEntries(BEHAVIORS.map((b) => [b, condition.behaviors.includes(b)])) as Record<Behavior, boolean>;
}
