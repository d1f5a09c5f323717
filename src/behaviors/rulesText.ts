// The text side of the rule annotator: the reasoning region of a completion, its sentences, and a
// normalized copy of each sentence (operator words and verb phrases turned into symbols) that keeps a map
// back to the original offsets, so every finding can point at the exact words that show it.

export interface Sentence {
  index: number;
  /** [start, end) in the completion. */
  start: number;
  end: number;
  text: string;
}

/**
 * Every match of a global pattern, found with exec on the pattern itself: String.matchAll clones the pattern on
 * each call, and the annotator runs some fifty patterns over every sentence.
 */
export function globalMatches(pattern: RegExp, text: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    found.push(m);
    if (m[0] === '') pattern.lastIndex++;
  }
  return found;
}

/** Text with, for each character, where it came from in the original: [map[i], mapEnd[i]). */
export interface MappedText {
  text: string;
  map: number[];
  mapEnd: number[];
}

/**
 * The part of a completion that is reasoning: up to the first </think>, with <answer> blocks cut out
 * (a restated answer is not a behavior). Returned as [start, end) ranges.
 */
export function reasoningRanges(completion: string): Array<[number, number]> {
  const thinkEnd = completion.indexOf('</think>');
  const end = thinkEnd >= 0 ? thinkEnd : completion.length;
  const ranges: Array<[number, number]> = [];
  let from = 0;
  for (const m of completion.slice(0, end).matchAll(/<answer>[\s\S]*?(<\/answer>|$)/g)) {
    ranges.push([from, m.index]);
    from = m.index + m[0].length;
  }
  ranges.push([from, end]);
  return ranges.filter(([a, b]) => b > a);
}

// A sentence ends at a newline, or at . ! ? ; followed by white space (so "2.5" stays whole). A run of marks is
// tried from its first mark only and taken whole (the lookahead-backreference pair is an atomic group), so a
// long run costs one scan.
const SENTENCE_END = /\n|(?<![.!?;])(?=([.!?;]+))\1(?=\s|$)/g;

export function splitSentences(completion: string): Sentence[] {
  const sentences: Sentence[] = [];
  for (const [from, to] of reasoningRanges(completion)) {
    const region = completion.slice(from, to);
    let start = 0;
    const push = (end: number): void => {
      const raw = region.slice(start, end);
      // List markers ("- ", "* ", "• ") are layout, not a minus sign.
      const lead = /^\s*(?:[-*•]\s+)?/.exec(raw)?.[0].length ?? 0;
      const text = raw.slice(lead).trim();
      if (text !== '') {
        const s = from + start + lead;
        sentences.push({ index: sentences.length, start: s, end: s + text.length, text });
      }
    };
    for (const m of globalMatches(SENTENCE_END, region)) {
      push(m.index + (m[0] === '\n' ? 0 : m[0].length));
      start = m.index + m[0].length;
    }
    push(region.length);
  }
  return sentences;
}

function identity(text: string, offset: number): MappedText {
  const map = new Array<number>(text.length);
  const mapEnd = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) {
    map[i] = offset + i;
    mapEnd[i] = offset + i + 1;
  }
  return { text, map, mapEnd };
}

/** Replaces every match of `pattern` (global) and carries the offset map through. */
function rewrite(src: MappedText, pattern: RegExp, replace: (m: RegExpExecArray) => string): MappedText {
  const matches = globalMatches(pattern, src.text);
  if (matches.length === 0) return src;
  const parts: string[] = [];
  const map: number[] = [];
  const mapEnd: number[] = [];
  const copy = (from: number, to: number): void => {
    parts.push(src.text.slice(from, to));
    for (let i = from; i < to; i++) {
      map.push(src.map[i]);
      mapEnd.push(src.mapEnd[i]);
    }
  };
  let last = 0;
  for (const m of matches) {
    copy(last, m.index);
    const out = replace(m);
    const end = m.index + m[0].length;
    // Every new character stands for the whole phrase it replaced.
    parts.push(out);
    for (let i = 0; i < out.length; i++) {
      map.push(src.map[m.index]);
      mapEnd.push(src.mapEnd[end - 1]);
    }
    last = end;
  }
  copy(last, src.text.length);
  return { text: parts.join(''), map, mapEnd };
}

const N = '(\\d+(?:\\.\\d+)?)';
// Verb phrases first (they name both operands), then bare verbs (the left operand is the previous result),
// then operator words and signs.
const REWRITES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [new RegExp(`\\b(?:add|adding)\\s+${N}\\s+(?:to|and)\\s+${N}`, 'gi'), (m) => `${m[1]} + ${m[2]}`],
  [
    new RegExp(`\\b(?:subtract|subtracting|take|taking)\\s+${N}\\s+(?:away\\s+)?from\\s+${N}`, 'gi'),
    (m) => `${m[2]} - ${m[1]}`,
  ],
  [new RegExp(`\\b(?:multiply|multiplying)\\s+${N}\\s+(?:by|and|with)\\s+${N}`, 'gi'), (m) => `${m[1]} * ${m[2]}`],
  [new RegExp(`\\b(?:divide|dividing)\\s+${N}\\s+by\\s+${N}`, 'gi'), (m) => `${m[1]} / ${m[2]}`],
  [/\b(?:add|adding)\s+(?=\d)/gi, () => '+ '],
  [/\b(?:subtract|subtracting|take away|taking away)\s+(?=\d)/gi, () => '- '],
  [/\b(?:multiply|multiplying)\s+(?:it\s+)?by\s+(?=\d)/gi, () => '* '],
  [/\b(?:divide|dividing)\s+(?:it\s+)?by\s+(?=\d)/gi, () => '/ '],
  [/\bmultiplied\s+by\b|\btimes\b|[×·∗]/gi, () => '*'],
  [/(?<=\d\s*)[xX](?=\s*\(?\d)/g, () => '*'],
  [/\bdivided\s+by\b|÷/gi, () => '/'],
  [/\bplus\b/gi, () => '+'],
  [/\bminus\b|[−–]/gi, () => '-'],
];

/** The sentence with arithmetic written in symbols, mapped back to completion offsets. */
export function normalizeArithmetic(sentence: Sentence): MappedText {
  let mapped = identity(sentence.text, sentence.start);
  for (const [pattern, replace] of REWRITES) mapped = rewrite(mapped, pattern, replace);
  return mapped;
}
