// The wording side of the rule annotator: phrases that show a check, an abandoned path, a named
// intermediate goal, or reasoning from the target. Numbers in a phrase are checked against the problem
// (a "not 22" is a check only when 22 is the target or a goal the text named), so the rules read the
// arithmetic, not just the words.

import { globalMatches } from './rulesText.ts';

export interface Cue {
  /** [start, end) in the completion. */
  start: number;
  end: number;
}

export type Verdict = 'negative' | 'positive' | 'check';

interface Pattern {
  re: RegExp;
  /** The capture group that must be a goal value (1-based); 0 for none. */
  goal?: number;
}

const NUM = '(\\d+(?:\\.\\d+)?)';

const NEGATIVE: Pattern[] = [
  {
    re: new RegExp(
      `\\b(?:not|isn't|is not|doesn't equal|does not equal|never)\\s+(?:quite\\s+|exactly\\s+|equal\\s+to\\s+)?${NUM}\\b`,
      'gi',
    ),
    goal: 1,
  },
  { re: new RegExp(`(?:≠|!=)\\s*${NUM}`, 'g'), goal: 1 },
  { re: /\bnot\s+(?:quite|enough|right|correct|it|the\s+(?:target|goal|answer))\b/gi },
  {
    re: /\b(?:doesn't|does not|didn't|did not|won't|will not|wouldn't|would not|can't|cannot)\s+(?:work|help|reach|get|give|make)\b/gi,
  },
  { re: /\btoo\s+(?:high|big|large|low|small|much|little|many|few)\b/gi },
  { re: /\b(?:overshoot|overshoots|overshot|undershoot|undershoots|exceeds?|exceeded|off\s+by)\b/gi },
  {
    re: new RegExp(
      `\\b(?:greater|bigger|larger|higher|more|less|smaller|lower|fewer)\\s+than\\s+(?:(?:the|our)\\s+target|${NUM})`,
      'gi',
    ),
    goal: 1,
  },
  {
    re: new RegExp(`\\b(?:above|below|over|under|short\\s+of|away\\s+from)\\s+(?:(?:the|our)\\s+target|${NUM})`, 'gi'),
    goal: 1,
  },
  {
    re: new RegExp(
      `\\b(?:is|it's|that's|are)\\s+(?:only\\s+|just\\s+)?(?:half|double|twice|triple|a\\s+third|a\\s+quarter)\\s+(?:of\\s+)?(?:the\\s+target|${NUM})`,
      'gi',
    ),
    goal: 1,
  },
  { re: /\b(?:no\s+good|no\s+luck|dead\s+end|fails?|failed|wrong|incorrect|nope|close\s+but)\b/gi },
  { re: /(?:^|,\s*)no\s*[.!,]/gi },
  {
    re: /\b(?:left\s+over|leftover|unused|not\s+used|isn't\s+used|haven't\s+used|didn't\s+use|doesn't\s+use|without\s+using|not\s+allowed|not\s+an\s+integer|not\s+a\s+whole\s+number|can't\s+use|cannot\s+use)\b/gi,
  },
  { re: /\b(?:used|uses|using)\s+(?:\w+\s+)?twice\b/gi },
];

const POSITIVE: Pattern[] = [
  { re: /\b(?:this|that|it)\s+(?:works|worked)\b|\bworks!/gi },
  {
    re: /\b(?:correct|perfect|bingo|success|nailed\s+it|got\s+it|that's\s+it|there\s+we\s+go|we\s+did\s+it|solved)\b/gi,
  },
  { re: /\bmatch(?:es|ed)?\b|[✓✔]/gi },
  {
    re: /\b(?:equals|equal\s+to|reaches|reached|hits|hit|gives|makes|got|is|that's)\s+(?:us\s+)?(?:exactly\s+)?(?:the|our)\s+(?:target|goal)\b/gi,
  },
  { re: /=\s*(?:the\s+|our\s+)?target\b/gi },
  { re: new RegExp(`\\bexactly\\s+${NUM}\\b`, 'gi'), goal: 1 },
  { re: new RegExp(`\\b${NUM}\\s+exactly\\b`, 'gi'), goal: 1 },
  {
    re: new RegExp(
      `\\b(?:that's|that\\s+is|which\\s+is|it's|it\\s+is|this\\s+is)\\s+(?:exactly\\s+|precisely\\s+)?${NUM}\\s*(?:[!.,]|$)`,
      'gi',
    ),
    goal: 1,
  },
  {
    re: new RegExp(
      `\\b(?:the|that)\\s+${NUM}\\s+(?:I|we)\\s+(?:wanted|needed|was\\s+looking\\s+for|were\\s+looking\\s+for)\\b`,
      'gi',
    ),
    goal: 1,
  },
];

const CHECK: Pattern[] = [
  {
    re: /\b(?:check|checks|checking|checked|verify|verifying|verified|verification|double[- ]check|confirm|confirms|confirming|confirmed|make\s+sure|sanity)\b/gi,
  },
  { re: /\b(?:each|every|all|both)\b[^.!?]{0,40}?\b(?:once|used)\b/gi },
  { re: /\b(?:allowed|valid)\b|\bevery\s+number\b/gi },
];

/** Only at the start of a sentence, and only right after a result that is a goal value. */
export const WEAK_POSITIVE = /^(?:yes|yep|good|great|nice|done|right|excellent|yay)\b/i;

const STRONG_BACKTRACK =
  /\b(?:go(?:ing)?\s+back|back\s+to|start(?:ing)?\s+over|start\s+again|from\s+scratch|scratch\s+that|step\s+back|backtrack\w*|(?:a\s+)?different\s+(?:approach|combination|way|strategy|path|route|idea|method|pair|operation)|another\s+(?:approach|combination|way|strategy|path|route|idea|option|method|pair|attempt|try)|something\s+else|try\s+again|abandon\w*|dead\s+end|alternatively|on\s+second\s+thought|reconsider)\b/gi;
const WEAK_BACKTRACK =
  /\b(?:instead|what\s+if|what\s+about|how\s+about|maybe|perhaps|other\s+option|next\s+(?:option|try))\b/gi;

const SUBGOAL_VALUE: RegExp[] = [
  new RegExp(
    `\\b(?:need|needs|needed|want|wanted|require|requires)\\s+(?:to\\s+(?:get|make|reach|find|build|produce|form|create|have)\\s+)?(?:a\\s+|an\\s+|another\\s+|one\\s+more\\s+|the\\s+|just\\s+)?${NUM}`,
    'gi',
  ),
  new RegExp(`\\b(?:aim|aiming)\\s+(?:for|at)\\s+(?:a\\s+)?${NUM}`, 'gi'),
  new RegExp(
    `\\bfirst\\b[^.!?]{0,30}?\\b(?:get|make|reach|find|build|form|obtain)\\s+(?:to\\s+)?(?:a\\s+)?${NUM}`,
    'gi',
  ),
  new RegExp(`\\b(?:get|getting|come|coming)\\s+(?:close\\s+)?to\\s+${NUM}`, 'gi'),
  new RegExp(`\\b(?:can|could)\\s+(?:I|we)\\s+(?:make|get|reach|form|build|find)\\s+(?:a\\s+|an\\s+)?${NUM}`, 'gi'),
  new RegExp(
    `\\bif\\s+(?:I|we)\\s+(?:can\\s+|could\\s+)?(?:get|make|reach|form|build|had|have)\\s+(?:a\\s+|an\\s+|one\\s+)?${NUM}`,
    'gi',
  ),
  new RegExp(
    `\\b(?:make|get|reach|build|produce|form|find)\\s+(?:a\\s+|an\\s+|one\\s+|two\\s+|another\\s+)?${NUM}s?\\s+(?:from|with|using|out\\s+of)\\b`,
    'gi',
  ),
  new RegExp(`^${NUM}\\s+from\\b|\\b${NUM}\\s+from\\s+the\\s+(?:rest|remaining|others?|other\\s+\\w+)\\b`, 'gi'),
  new RegExp(`\\b${NUM}\\s+would\\s+(?:help|be\\s+(?:useful|handy|nice|good))\\b`, 'gi'),
];
const SUBGOAL_WORDS =
  /\b(?:sub-?goals?|intermediate\s+(?:goal|target|value|number|result|step)s?|stepping\s+stone|break\s+(?:it|this|the\s+problem)\s+down|factor\s+pair|(?:factor|factors|multiple|multiples|divisor|divisors)\s+of|has\s+(?:many\s+|several\s+)?factors)\b/gi;

const BACKWARD_WORDS: Pattern[] = [
  { re: /\b(?:work(?:ing|ed)?|think(?:ing)?|reason(?:ing)?)\s+back(?:wards?)?\b|\bbackwards?\b/gi },
  {
    re: /\bstart(?:ing)?\s+(?:from|with|at)\s+(?:the\s+)?(?:target|goal|end|answer)\b|\b(?:from|before)\s+the\s+target\b/gi,
  },
  { re: new RegExp(`\\bstart(?:ing)?\\s+(?:from|with|at)\\s+${NUM}`, 'gi'), goal: 1 },
  { re: /\bundo\w*\b|\breverse\b|\b(?:last|final)\s+(?:step|move|operation)\b/gi },
  {
    re: new RegExp(
      `\\bto\\s+(?:get|reach|make)\\s+(?:the\\s+target|${NUM}),?\\s+(?:we|I)\\s+(?:need|could|would|can|have\\s+to|must|should)\\b`,
      'gi',
    ),
    goal: 1,
  },
  { re: /\bwhat\s+(?:number\s+)?(?:times|plus|minus|multiplied\s+by|divided\s+by|do\s+(?:I|we)\s+need\s+to)\b/gi },
  {
    re: new RegExp(
      `(?<!\\b(?:is|'s)\\s+(?:only\\s+|just\\s+)?)\\b(?:half|double|twice|a\\s+third|a\\s+quarter)\\s+of\\s+${NUM}`,
      'gi',
    ),
    goal: 1,
  },
];

function matchAll(text: string, offset: number, patterns: Pattern[], accept: (value: number) => boolean): Cue[] {
  const cues: Cue[] = [];
  for (const { re, goal } of patterns) {
    for (const m of globalMatches(re, text)) {
      if (goal && m[goal] !== undefined && !accept(Number(m[goal]))) continue;
      cues.push({ start: offset + m.index, end: offset + m.index + m[0].length });
    }
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** Verification phrases in a sentence, with whether they find the result wrong, right, or check it. */
export function verificationCues(
  text: string,
  offset: number,
  isGoal: (n: number) => boolean,
): Array<Cue & { verdict: Verdict }> {
  const tag = (verdict: Verdict) => (c: Cue) => ({ ...c, verdict });
  return [
    ...matchAll(text, offset, NEGATIVE, isGoal).map(tag('negative')),
    ...matchAll(text, offset, POSITIVE, isGoal).map(tag('positive')),
    ...matchAll(text, offset, CHECK, isGoal).map(tag('check')),
  ].sort((a, b) => a.start - b.start);
}

export function backtrackCues(text: string, offset: number): Array<Cue & { strong: boolean }> {
  const strong = matchAll(text, offset, [{ re: STRONG_BACKTRACK }], () => true).map((c) => ({ ...c, strong: true }));
  const weak = matchAll(text, offset, [{ re: WEAK_BACKTRACK }], () => true).map((c) => ({ ...c, strong: false }));
  return [...strong, ...weak].sort((a, b) => a.start - b.start);
}

/** Named intermediate goals: the cue, and the value it names when it names one. */
export function subgoalCues(text: string, offset: number, target: number): Array<Cue & { value?: number }> {
  const cues: Array<Cue & { value?: number }> = [];
  for (const re of SUBGOAL_VALUE) {
    for (const m of globalMatches(re, text)) {
      const value = Number(m.slice(1).find((g) => g !== undefined));
      if (value === target) continue;
      cues.push({ start: offset + m.index, end: offset + m.index + m[0].length, value });
    }
  }
  return cues.concat(matchAll(text, offset, [{ re: SUBGOAL_WORDS }], () => true)).sort((a, b) => a.start - b.start);
}

export function backwardCues(text: string, offset: number, target: number): Cue[] {
  return matchAll(text, offset, BACKWARD_WORDS, (n) => n === target);
}
