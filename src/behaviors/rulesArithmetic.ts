// Reads the arithmetic in each sentence: "44 + 19 = 63", "9 plus 6, which is 15", "adding 3 gives 28"
// (left operand: the previous result), "30 = 10 * 3" (a value taken apart). A compound expression becomes
// one binary step per operator, inner steps first, so "(3 * 5) + 7 = 22" is 3 * 5 = 15, then 15 + 7 = 22.
import { applyOp, evaluate, parseExpression, type BinaryOp, type Expr } from '../tasks/expression.ts';
import { globalMatches, normalizeArithmetic, type MappedText, type Sentence } from './rulesText.ts';

export interface ArithStep {
  /** [start, end) in the completion: the expression and its written result. */
  start: number;
  end: number;
  sentence: number;
  /** null when the sentence leaves it implicit ("adding 3 gives 28"): the previous result. */
  left: number | null;
  op: BinaryOp;
  right: number;
  /** The result as written when it is written (even if wrong), else as computed. */
  result: number;
  stated: boolean;
  /** 'decompose' when written result-first: "30 = 10 * 3", "33 is 11 times 3". */
  form: 'forward' | 'decompose';
  /** For 'decompose': the value taken apart. */
  whole?: number;
}

interface Chunk {
  start: number;
  end: number;
  tree: Expr;
  /** Leading operator: the left operand is implicit. */
  implicitOp?: BinaryOp;
}

const CHUNK = /(?:[-+*/]\s*)?[(\d](?:[\d\s+\-*/()]|\.(?=\d))*/g;
const LINK =
  /^\s*,?\s*(?:(?:which|that|this|it|and|so)\s+)?(?:=+|equals?|is(?:\s+equal\s+to)?|are|was|gives?(?:\s+us)?|makes?|yields?|results\s+in|to\s+get|(?:we|i|you)\s+get|gets?(?:\s+us)?|leaves?(?:\s+us(?:\s+with)?)?|becomes?|would\s+be|will\s+be|to\s+reach|to\s+make|comes\s+to|(?:could|can|might)\s+be(?:\s+(?:written|made|expressed|reached)(?:\s+(?:as|by|with))?)?|->|→|=>)\s*(?:(?:indeed|just|exactly|only|actually|still|now|then|also)\s+)?$/i;

// A narrated step is short; longer runs of digits and signs ("1+1+…+1") are not a step of a Countdown search,
// and skipping them keeps the reading linear in the text.
const MAX_STEP_CHARS = 200;
const TRAILING = new Set([' ', '\t', '\n', '\r', '\f', '\v', '+', '-', '*', '/', '(']);

/** Trims a raw match to a balanced expression; null when nothing arithmetic is left. */
function toChunk(text: string, start: number): { text: string; start: number } | null {
  let from = 0;
  let to = text.length;
  while (to > 0 && (TRAILING.has(text[to - 1]) || /\s/.test(text[to - 1]))) to--;
  let open = 0;
  let close = 0;
  for (let i = from; i < to; i++) {
    if (text[i] === '(') open++;
    else if (text[i] === ')') close++;
  }
  while (from < to && text[from] === '(' && open > close) {
    open--;
    from++;
    while (from < to && /\s/.test(text[from])) from++;
  }
  while (to > from && text[to - 1] === ')' && close > open) {
    close--;
    to--;
    while (to > from && /\s/.test(text[to - 1])) to--;
  }
  const t = text.slice(from, to);
  return /\d/.test(t) ? { text: t, start: start + from } : null;
}

function parseChunk(text: string, start: number): Chunk | null {
  if (text.length > MAX_STEP_CHARS) return null;
  const lead = /^([-+*/])\s*/.exec(text);
  const body = lead ? text.slice(lead[0].length) : text;
  try {
    const tree = parseExpression(body);
    evaluate(tree);
    return { start, end: start + text.length, tree, implicitOp: lead ? (lead[1] as BinaryOp) : undefined };
  } catch {
    return null; // not arithmetic after all ("4 / 0")
  }
}

function readChunks(norm: MappedText): Chunk[] {
  const chunks: Chunk[] = [];
  for (const m of globalMatches(CHUNK, norm.text)) {
    const trimmed = toChunk(m[0], m.index);
    if (!trimmed) continue;
    const whole = parseChunk(trimmed.text, trimmed.start);
    if (whole) {
      chunks.push(whole);
      continue;
    }
    // Two expressions run together ("= 63 2. 63 + 35"): read the pieces between the bare gaps.
    let from = 0;
    for (const gap of [...globalMatches(BARE_GAP, trimmed.text), null]) {
      const to = gap ? gap.index : trimmed.text.length;
      const piece = toChunk(trimmed.text.slice(from, to), trimmed.start + from);
      const chunk = piece && parseChunk(piece.text, piece.start);
      if (chunk) chunks.push(chunk);
      if (gap) from = gap.index + gap[0].length;
    }
  }
  return chunks;
}

// White space between two expressions that run together ("63 2").
const BARE_GAP = /(?<=[\d)])\s+(?=[\d(])/g;

const isSimple = (c: Chunk): boolean => !c.implicitOp && c.tree.kind !== 'binary';

type TreeStep = { left: number; op: BinaryOp; right: number; result: number };

/** One binary step per operator of the tree, inner first. */
function treeSteps(tree: Expr): TreeStep[] {
  const steps: TreeStep[] = [];
  const walk = (node: Expr): number => {
    if (node.kind === 'number') return node.value;
    if (node.kind === 'unary') return node.sign === '-' ? -walk(node.operand) : walk(node.operand);
    const left = walk(node.left);
    const right = walk(node.right);
    const result = applyOp(node.op, left, right);
    steps.push({ left, op: node.op, right, result });
    return result;
  };
  walk(tree);
  return steps;
}

function firstNumber(tree: Expr): number {
  if (tree.kind === 'number') return tree.value;
  return tree.kind === 'unary' ? firstNumber(tree.operand) : firstNumber(tree.left);
}

const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

export function sentenceSteps(sentence: Sentence): ArithStep[] {
  const norm = normalizeArithmetic(sentence);
  const chunks = readChunks(norm);
  const steps: ArithStep[] = [];
  const span = (from: number, to: number): { start: number; end: number } => ({
    start: norm.map[from],
    end: norm.mapEnd[to - 1],
  });
  const linked = (a: Chunk, b: Chunk | undefined): boolean => !!b && LINK.test(norm.text.slice(a.end, b.start));

  const addForward = (c: Chunk, stated: number | null, end: number): void => {
    const where = { ...span(c.start, end), sentence: sentence.index };
    if (c.implicitOp) {
      const right = evaluate(c.tree);
      steps.push({
        ...where,
        left: null,
        op: c.implicitOp,
        right,
        result: stated ?? NaN,
        stated: stated !== null,
        form: 'forward',
      });
      return;
    }
    const parts = treeSteps(c.tree);
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      const result = last && stated !== null ? stated : p.result;
      steps.push({ ...where, ...p, result, stated: last && stated !== null, form: 'forward' });
    });
  };

  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    const next = chunks[i + 1];
    if (isSimple(c)) {
      if (next && linked(c, next) && !next.implicitOp && !isSimple(next)) {
        const whole = evaluate(c.tree);
        const parts = treeSteps(next.tree);
        parts.forEach((p, k) => {
          const result = k === parts.length - 1 ? whole : p.result;
          steps.push({
            ...span(c.start, next.end),
            sentence: sentence.index,
            ...p,
            result,
            stated: true,
            form: 'decompose',
            whole,
          });
        });
        i++;
      }
      continue;
    }
    if (next && linked(c, next) && isSimple(next)) {
      addForward(c, evaluate(next.tree), next.end);
      i++;
    } else if (next && linked(c, next) && !c.implicitOp && near(firstNumber(next.tree), evaluate(c.tree))) {
      addForward(c, firstNumber(next.tree), next.start + 1);
    } else {
      addForward(c, null, c.end);
    }
  }
  return steps;
}

export function extractSteps(sentences: Sentence[]): ArithStep[] {
  return sentences.flatMap(sentenceSteps);
}
