// Reads a judge's reply: one JSON object inside <annotation> tags mapping each behavior to the
// quotes that show it. Strict about the shape, lenient about the wrapping (code fences, a missing
// closing tag, trailing commas, key spellings such as "backward_chaining").
import { BEHAVIORS, type Behavior } from './types.ts';

export type JudgeQuotes = Record<Behavior, string[]>;

/** The judge's reply could not be read; the message names the cause. */
export class JudgeFormatError extends Error {
  override name = 'JudgeFormatError';
}

export function parseJudgeOutput(reply: string): JudgeQuotes {
  const parsed = parseJson(annotationBody(reply));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new JudgeFormatError('the annotation is not a JSON object');
  }
  const byBehavior = new Map<Behavior, unknown>();
  for (const [key, value] of Object.entries(parsed)) {
    const behavior = behaviorForKey(key);
    if (behavior) byBehavior.set(behavior, value);
  }
  const quotes = {} as JudgeQuotes;
  for (const behavior of BEHAVIORS) {
    if (!byBehavior.has(behavior)) throw new JudgeFormatError(`the annotation has no "${behavior}" key`);
    quotes[behavior] = quoteList(behavior, byBehavior.get(behavior));
  }
  return quotes;
}

/** The text between the last <annotation> and its closing tag (or the reply's end). */
function annotationBody(reply: string): string {
  const open = reply.toLowerCase().lastIndexOf('<annotation>');
  let body = reply;
  if (open >= 0) {
    body = reply.slice(open + '<annotation>'.length);
    const close = body.toLowerCase().indexOf('</annotation>');
    if (close >= 0) body = body.slice(0, close);
  }
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end < start) {
    throw new JudgeFormatError(
      open >= 0
        ? 'the <annotation> block holds no JSON object'
        : 'the reply has no <annotation> block and no JSON object',
    );
  }
  return body.slice(start, end + 1);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    try {
      return JSON.parse(text.replace(/,(\s*[}\]])/g, '$1'));
    } catch {
      throw new JudgeFormatError(`the annotation is not valid JSON (${(first as Error).message})`);
    }
  }
}

const KEY_ALIASES: Record<string, Behavior> = {
  verification: 'verification',
  verifications: 'verification',
  backtracking: 'backtracking',
  subgoal: 'subgoal',
  subgoals: 'subgoal',
  subgoalsetting: 'subgoal',
  backward: 'backward',
  backwardchaining: 'backward',
  backchaining: 'backward',
};

function behaviorForKey(key: string): Behavior | undefined {
  return KEY_ALIASES[key.toLowerCase().replace(/[\s_-]/g, '')];
}

/** Accepts ["quote", ...] and, since judges sometimes wrap them, [{"quote": "..."}, ...]. */
function quoteList(behavior: Behavior, value: unknown): string[] {
  if (!Array.isArray(value)) throw new JudgeFormatError(`"${behavior}" is not a list`);
  return value.map((item, i) => {
    if (typeof item === 'string') return item;
    const quote = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).quote : undefined;
    if (typeof quote === 'string') return quote;
    throw new JudgeFormatError(`"${behavior}" item ${i + 1} is not a quoted string`);
  });
}
