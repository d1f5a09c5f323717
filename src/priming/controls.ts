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

/** Rounds of re-counting the dots before settling (a tokenizer that merges dots needs a few). */
const DOT_ROUNDS = 6;

/** The next guess of how many " ." make `tokens` tokens, given that `k` of them made `have`. */
function nextDots(k: number, have: number, tokens: number): number {
  return have === tokens || have === 0 ? k : Math.max(1, Math.round((k * tokens) / have));
}

/** " ." repeated so that it is `tokens` long in the given tokenizer (within a token or two). */
export function dotsOfLength(tokens: number, countTokens: (text: string) => number): string {
  let k = tokens;
  for (let i = 0; i < DOT_ROUNDS; i++) {
    const next = nextDots(k, countTokens(' .'.repeat(k)), tokens);
    if (next === k) break;
    k = next;
  }
  return ' .'.repeat(k);
}

/** A tokenizer that counts many texts at once, possibly elsewhere (the engine Worker holds the model's). */
export type CountTokensMany = (texts: string[]) => Promise<number[]>;

/** The reasoning replaced by dots of the same length in tokens; the answer is kept. */
export function lengthMatched(base: PrimingDataset, countTokens: (text: string) => number): PrimingDataset {
  const traces = base.traces.map((t, i) => {
    const { reasoning, tail } = splitThink(t, i);
    return withCompletion(t, `${dotsOfLength(countTokens(reasoning), countTokens)}${tail}`);
  });
  return derive(base, 'length_matched', traces);
}

/** lengthMatched with a batched, asynchronous counter: every trace's dots are re-counted together each round. */
export async function lengthMatchedBy(base: PrimingDataset, countMany: CountTokensMany): Promise<PrimingDataset> {
  const parts = base.traces.map((t, i) => splitThink(t, i));
  const targets = await countMany(parts.map((p) => p.reasoning));
  let k = [...targets];
  for (let round = 0; round < DOT_ROUNDS; round++) {
    const have = await countMany(k.map((n) => ' .'.repeat(n)));
    const next = k.map((n, i) => nextDots(n, have[i], targets[i]));
    if (next.every((n, i) => n === k[i])) break;
    k = next;
  }
  const traces = base.traces.map((t, i) => withCompletion(t, `${' .'.repeat(k[i])}${parts[i].tail}`));
  return derive(base, 'length_matched', traces, { matchedIn: 'tokens of the model being primed' });
}

/** A control derived from `base` (the paper derived all three from its Claude all_strategies set). */
export async function deriveControl(
  condition: 'empty_cot' | 'length_matched' | 'incorrect_only',
  base: PrimingDataset,
  countMany?: CountTokensMany,
): Promise<PrimingDataset> {
  if (condition === 'empty_cot') return emptyCot(base);
  if (condition === 'incorrect_only') return incorrectOnly(base);
  if (!countMany) throw new Error('length_matched needs the model being primed, to count tokens in its tokenizer');
  return lengthMatchedBy(base, countMany);
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
