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

// A sentence ends at a newline, or at . ! ? ; followed by white space (so "2.5" stays whole).
const SENTENCE_END = /\n|[.!?;]+(?=\s|$)/g;

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
    for (const m of region.matchAll(SENTENCE_END)) {
      push(m.index + (m[0] === '\n' ? 0 : m[0].length));
      start = m.index + m[0].length;
    }
    push(region.length);
  }
  return sentences;
}

function identity(text: string, offset: number): MappedText {
  const map = Array.from({ length: text.length }, (_, i) => offset + i);
  return { text, map, mapEnd: map.map((m) => m + 1) };
}

/** Replaces every match of `pattern` (global) and carries the offset map through. */
function rewrite(src: MappedText, pattern: RegExp, replace: (m: RegExpExecArray) => string): MappedText {
  let text = '';
  const map: number[] = [];
  const mapEnd: number[] = [];
  const copy = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      text += src.text[i];
      map.push(src.map[i]);
      mapEnd.push(src.mapEnd[i]);
    }
  };
  let last = 0;
  for (const m of src.text.matchAll(pattern)) {
    copy(last, m.index);
    const out = replace(m);
    const end = m.index + m[0].length;
    // Every new character stands for the whole phrase it replaced.
    for (const c of out) {
      text += c;
      map.push(src.map[m.index]);
      mapEnd.push(src.mapEnd[end - 1]);
    }
    last = end;
  }
  copy(last, src.text.length);
  return { text, map, mapEnd };
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
