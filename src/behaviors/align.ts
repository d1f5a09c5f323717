// Finds where a judge's quote sits in the completion it was quoting. Judges copy loosely (case,
// spacing, curly quotes, "..." for skipped words, the odd typo), so matching falls back in steps:
// exact, then whitespace/case-normalised, then ellipsis pieces, then an approximate substring.

export type AlignMethod = 'exact' | 'normalised' | 'ellipsis' | 'fuzzy';

export interface AlignedQuote {
  /** [start, end) in UTF-16 code units of the completion. */
  start: number;
  end: number;
  method: AlignMethod;
}

/** Says whether [start, end) may be used, so that repeated quotes land on distinct occurrences. */
export type SpanFilter = (start: number, end: number) => boolean;

/** Fuzzy matches may differ from the quote in at most this share of its characters. */
const FUZZY_MAX_ERROR_RATE = 0.2;
/** Shorter quotes only match exactly or normalised: a few characters fuzzily match almost anywhere. */
const FUZZY_MIN_LENGTH = 12;

const ELLIPSIS = /\.{3,}|…/;

export function alignQuote(text: string, quote: string, isFree: SpanFilter = () => true): AlignedQuote | null {
  const cleaned = cleanQuote(quote);
  if (cleaned.length === 0) return null;
  const exact = findExact(text, cleaned, 0, isFree);
  if (exact) return { ...exact, method: 'exact' };
  const normText = normalise(text);
  const normalised = findNormalised(normText, cleaned, 0, isFree);
  if (normalised) return { ...normalised, method: 'normalised' };
  const pieces = cleaned
    .split(ELLIPSIS)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (pieces.length > 1) {
    const joined = findPieces(normText, pieces, isFree);
    if (joined) return { ...joined, method: 'ellipsis' };
  }
  const fuzzy = findFuzzy(normText, cleaned, isFree);
  return fuzzy && { ...fuzzy, method: 'fuzzy' };
}

/** Drops what judges wrap quotes in: surrounding quote marks and leading/trailing ellipses. */
function cleanQuote(quote: string): string {
  return quote
    .trim()
    .replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, '')
    .replace(/^(\.{3,}|…)\s*|\s*(\.{3,}|…)$/g, '')
    .trim();
}

interface Span {
  start: number;
  end: number;
}

function findExact(text: string, quote: string, from: number, isFree: SpanFilter): Span | null {
  for (let i = text.indexOf(quote, from); i >= 0; i = text.indexOf(quote, i + 1)) {
    if (isFree(i, i + quote.length)) return { start: i, end: i + quote.length };
  }
  return null;
}

/** A lower-cased, whitespace-collapsed copy of a string with a map back to original offsets. */
interface NormalisedText {
  text: string;
  /** origin[i] is the offset in the original of normalised character i; origin[length] is its end. */
  origin: number[];
}

const CHARACTER_VARIANTS: Record<string, string> = {
  '’': "'",
  '‘': "'",
  '“': '"',
  '”': '"',
  '×': '*',
  '÷': '/',
  '−': '-',
  '–': '-',
  '—': '-',
};

function normalise(text: string): NormalisedText {
  let out = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (out.length > 0 && out[out.length - 1] !== ' ') {
        out += ' ';
        origin.push(i);
      }
      continue;
    }
    const lower = (CHARACTER_VARIANTS[c] ?? c).toLowerCase();
    out += lower.length === 1 ? lower : c;
    origin.push(i);
  }
  if (out.endsWith(' ')) {
    out = out.slice(0, -1);
    origin.pop();
  }
  origin.push(text.length);
  return { text: out, origin };
}

/** Maps a normalised [start, end) back to the original, ending after the last matched character. */
function toOriginal(norm: NormalisedText, start: number, end: number): Span {
  return { start: norm.origin[start], end: norm.origin[end - 1] + 1 };
}

function findNormalised(norm: NormalisedText, quote: string, from: number, isFree: SpanFilter): Span | null {
  const q = normalise(quote).text;
  if (q.length === 0) return null;
  for (let i = norm.text.indexOf(q, from); i >= 0; i = norm.text.indexOf(q, i + 1)) {
    const span = toOriginal(norm, i, i + q.length);
    if (isFree(span.start, span.end)) return span;
  }
  return null;
}

/** "I try 5 * 4 ... too high" matches from the first piece's start to the last piece's end, in order. */
function findPieces(norm: NormalisedText, pieces: string[], isFree: SpanFilter): Span | null {
  const anywhere: SpanFilter = () => true;
  for (let first = findNormalised(norm, pieces[0], 0, anywhere); first;) {
    let end = first.end;
    let complete = true;
    for (const piece of pieces.slice(1)) {
      const next = findNormalised(norm, piece, normalisedOffset(norm, end), anywhere);
      if (!next) {
        complete = false;
        break;
      }
      end = next.end;
    }
    if (!complete) return null;
    if (isFree(first.start, end)) return { start: first.start, end };
    first = findNormalised(norm, pieces[0], normalisedOffset(norm, first.start) + 1, anywhere);
  }
  return null;
}

function normalisedOffset(norm: NormalisedText, original: number): number {
  const i = norm.origin.findIndex((o) => o >= original);
  return i < 0 ? norm.text.length : i;
}

/**
 * Approximate substring search (Sellers): edit distance of the quote against every substring of
 * the text, with a free start, in O(text * quote). Keeps the best match under the error budget.
 */
function findFuzzy(norm: NormalisedText, quote: string, isFree: SpanFilter): Span | null {
  const q = normalise(quote).text;
  const m = q.length;
  if (m < FUZZY_MIN_LENGTH) return null;
  const budget = Math.floor(m * FUZZY_MAX_ERROR_RATE);
  let dist = Array.from({ length: m + 1 }, (_, i) => i);
  let from = new Array<number>(m + 1).fill(0);
  let best: { cost: number; from: number; span: Span } | null = null;
  for (let j = 1; j <= norm.text.length; j++) {
    const nextDist = [0];
    const nextFrom = [j];
    const c = norm.text[j - 1];
    for (let i = 1; i <= m; i++) {
      const substitute = dist[i - 1] + (q[i - 1] === c ? 0 : 1);
      const skipText = dist[i] + 1;
      const skipQuote = nextDist[i - 1] + 1;
      const cost = Math.min(substitute, skipText, skipQuote);
      nextDist.push(cost);
      nextFrom.push(cost === substitute ? from[i - 1] : cost === skipText ? from[i] : nextFrom[i - 1]);
    }
    dist = nextDist;
    from = nextFrom;
    const cost = dist[m];
    if (cost > budget || from[m] >= j) continue;
    // At equal cost only a longer match from the same start wins: it keeps trailing characters.
    if (best && (cost > best.cost || (cost === best.cost && from[m] !== best.from))) continue;
    const span = toOriginal(norm, from[m], j);
    if (isFree(span.start, span.end)) best = { cost, from: from[m], span };
  }
  return best?.span ?? null;
}
