// The judge's method, whatever model runs it: ask for all four behaviors with quotes, read the
// reply, ask once more if it cannot be read, and turn the quotes into counts and spans. A trace
// whose reply stays unreadable gets an annotation with `error` set instead of failing the batch.
import { alignQuote, type AlignMethod } from './align.ts';
import { judgeRepairMessage, judgeUserMessage } from './judgePrompt.ts';
import { JudgeFormatError, parseJudgeOutput, type JudgeQuotes } from './judgeParse.ts';
import { BEHAVIORS, zeroCounts, type Annotation, type Behavior, type BehaviorSpan, type Trace } from './types.ts';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export function zeroUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
  };
}

export interface JudgeProgress {
  done: number;
  total: number;
  /** Traces whose annotation carries an error. */
  failed: number;
  usage: TokenUsage;
}

/** What a cancelled judge or build rejects with. */
export function abortError(): DOMException {
  return new DOMException('cancelled', 'AbortError');
}

export interface JudgeTurn {
  role: 'user' | 'assistant';
  text: string;
}

export interface JudgeReply {
  text: string;
  usage?: TokenUsage;
}

/** One model call: the conversation so far (after the system prompt) in, the reply out. */
export type AskJudge = (turns: JudgeTurn[]) => Promise<JudgeReply>;

export interface UnalignedQuote {
  behavior: Behavior;
  quote: string;
}

export interface JudgeAnnotation extends Annotation {
  /** Quotes not found in the completion: they still count, but have no span. */
  unaligned: UnalignedQuote[];
  /** How each aligned span was found, parallel to `spans`. */
  alignment: AlignMethod[];
  /** Set when the judge's reply could not be read even after a retry; counts are then all zero. */
  error?: string;
  /** Model calls made for this trace (2 when the first reply had to be asked for again). */
  calls: number;
  usage: TokenUsage;
}

export async function judgeTrace(trace: Trace, ask: AskJudge, annotator: string): Promise<JudgeAnnotation> {
  const turns: JudgeTurn[] = [{ role: 'user', text: judgeUserMessage(trace) }];
  const first = await ask(turns);
  let usage = first.usage ?? zeroUsage();
  try {
    return { ...annotationFromQuotes(trace, parseJudgeOutput(first.text), annotator), calls: 1, usage };
  } catch (err) {
    if (!(err instanceof JudgeFormatError)) throw err;
    const retry = await ask([
      ...turns,
      { role: 'assistant', text: first.text },
      { role: 'user', text: judgeRepairMessage(err.message) },
    ]);
    usage = addUsage(usage, retry.usage ?? zeroUsage());
    try {
      return { ...annotationFromQuotes(trace, parseJudgeOutput(retry.text), annotator), calls: 2, usage };
    } catch (again) {
      if (!(again instanceof JudgeFormatError)) throw again;
      return {
        ...failedAnnotation(annotator, `unreadable judge reply after one retry: ${again.message}`),
        calls: 2,
        usage,
      };
    }
  }
}

type QuoteAnnotation = Omit<JudgeAnnotation, 'calls' | 'usage'>;

/** Counts are the number of quotes per behavior; each quote that can be found becomes a span. */
export function annotationFromQuotes(trace: Trace, quotes: JudgeQuotes, annotator: string): QuoteAnnotation {
  const counts = zeroCounts();
  const placed: { span: BehaviorSpan; method: AlignMethod }[] = [];
  const unaligned: UnalignedQuote[] = [];
  for (const behavior of BEHAVIORS) {
    counts[behavior] = quotes[behavior].length;
    for (const quote of quotes[behavior]) {
      const own = placed.filter((p) => p.span.behavior === behavior);
      const unused = (start: number, end: number) => own.every((p) => end <= p.span.start || start >= p.span.end);
      const found = alignQuote(trace.completion, quote, unused) ?? alignQuote(trace.completion, quote);
      if (!found) {
        unaligned.push({ behavior, quote });
        continue;
      }
      const evidence = trace.completion.slice(found.start, found.end);
      placed.push({ span: { behavior, start: found.start, end: found.end, evidence }, method: found.method });
    }
  }
  placed.sort((x, y) => x.span.start - y.span.start);
  return {
    counts,
    spans: placed.map((p) => p.span),
    alignment: placed.map((p) => p.method),
    unaligned,
    annotator,
  };
}

export function failedAnnotation(annotator: string, error: string): QuoteAnnotation {
  return { counts: zeroCounts(), spans: [], alignment: [], unaligned: [], annotator, error };
}

/** The annotations whose judge failed, with their trace index, for reporting. */
export function judgeFailures(annotations: readonly JudgeAnnotation[]): { index: number; error: string }[] {
  return annotations.flatMap((a, index) => (a.error ? [{ index, error: a.error }] : []));
}
