// Controls derived from a dataset (generate_empty_cot.py, generate_dots_cot.py and the incorrect-only
// conversion of Gandhi et al.): same problems and answers, with the reasoning removed, replaced by dots of
// the same length in tokens, or only the traces whose answers are wrong kept.
import { annotateSpans } from '../behaviors/rules.ts';
import { countdownReward } from '../tasks/reward.ts';
import type { PrimingConditionName } from './conditions.ts';
import type { PrimingDataset, PrimingTrace } from './types.ts';

const THINK_END = '</think>';

/** Splits a completion at its first </think>: the reasoning, and "</think>" with everything after. */
function splitThink(trace: PrimingTrace, index: number): { reasoning: string; tail: string } {
  const at = trace.completion.indexOf(THINK_END);
  if (at < 0) throw new Error(`trace ${index} has no ${THINK_END} to cut the reasoning at`);
  return { reasoning: trace.completion.slice(0, at), tail: trace.completion.slice(at) };
}

function withCompletion(trace: PrimingTrace, completion: string): PrimingTrace {
  return {
    ...trace,
    completion,
    reward: countdownReward(completion, trace.problem),
    counts: annotateSpans(trace.problem, completion).counts,
  };
}

function derive(
  base: PrimingDataset,
  condition: PrimingConditionName,
  traces: PrimingTrace[],
  note: Record<string, string | number> = {},
): PrimingDataset {
  return {
    condition,
    source: base.source,
    createdAt: new Date().toISOString(),
    problems: traces.map((t) => t.problem),
    traces,
    notes: { ...base.notes, derivedFrom: base.condition, ...note },
  };
}

/** The prompt ends in "<think>", so a completion starting " </think>" makes the paper's "<think> </think>". */
export function emptyCot(base: PrimingDataset): PrimingDataset {
  const traces = base.traces.map((t, i) => withCompletion(t, ` ${splitThink(t, i).tail}`));
  return derive(base, 'empty_cot', traces);
}

/** " ." repeated so that it is `tokens` long in the given tokenizer (within a token or two). */
export function dotsOfLength(tokens: number, countTokens: (text: string) => number): string {
  let k = tokens;
  let dots = ' .'.repeat(k);
  for (let i = 0; i < 6; i++) {
    const have = countTokens(dots);
    if (have === tokens || have === 0) break;
    k = Math.max(1, Math.round((k * tokens) / have));
    dots = ' .'.repeat(k);
  }
  return dots;
}

/** The reasoning replaced by dots of the same length in tokens; the answer is kept. */
export function lengthMatched(base: PrimingDataset, countTokens: (text: string) => number): PrimingDataset {
  const traces = base.traces.map((t, i) => {
    const { reasoning, tail } = splitThink(t, i);
    return withCompletion(t, `${dotsOfLength(countTokens(reasoning), countTokens)}${tail}`);
  });
  return derive(base, 'length_matched', traces);
}

/** Only the traces whose answers are wrong (for datasets with failures in them, such as Claude's). */
export function incorrectOnly(base: PrimingDataset): PrimingDataset {
  return derive(
    base,
    'incorrect_only',
    base.traces.filter((t) => t.reward < 1),
    { keptOf: base.traces.length },
  );
}
