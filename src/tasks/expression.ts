// Arithmetic over + - * / ( ), decimals and spaces, parsed by recursive descent (no eval). The reward,
// the rule annotator and the narrator all read answers and steps through this one parser.
//
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/') unary)*
//   unary   := ('+' | '-') unary | primary
//   primary := number | '(' expr ')'

export type BinaryOp = '+' | '-' | '*' | '/';

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'unary'; sign: '+' | '-'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr };

interface Token {
  kind: 'number' | 'op' | 'open' | 'close';
  text: string;
  at: number;
}

const NUMBER = /^(\d+\.?\d*|\.\d+)/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[\d.]/.test(c)) {
      const m = NUMBER.exec(text.slice(i));
      if (!m) throw new Error(`bad number at position ${i} in "${text}"`);
      tokens.push({ kind: 'number', text: m[0], at: i });
      i += m[0].length;
    } else if ('+-*/'.includes(c)) {
      tokens.push({ kind: 'op', text: c, at: i++ });
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'open' : 'close', text: c, at: i++ });
    } else {
      throw new Error(`unexpected character "${c}" at position ${i} in "${text}"`);
    }
  }
  return tokens;
}

/** Parses text into a tree; throws an Error that names the position on bad syntax. */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new Error('empty expression');
  return new Parser(text, tokens).expression();
}

const SUM_OPS = ['+', '-'] as const;
const PRODUCT_OPS = ['*', '/'] as const;

// A class rather than closures per call: the annotator parses every narrated step, and the CLI's loader
// (tsx, which keeps function names) makes each closure costly to create.
class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  expression(): Expr {
    const tree = this.sum();
    if (this.pos < this.tokens.length) this.fail('unexpected token');
    return tree;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private fail(what: string): never {
    const t = this.peek();
    throw new Error(`${what} ${t ? `at position ${t.at}` : 'at end'} in "${this.text}"`);
  }

  /** The operator of the next token when it is one of `ops`. */
  private nextOp<O extends BinaryOp>(ops: readonly O[]): O | undefined {
    const t = this.peek();
    return t?.kind === 'op' && (ops as readonly string[]).includes(t.text) ? (t.text as O) : undefined;
  }

  private sum(): Expr {
    let left = this.product();
    for (let op = this.nextOp(SUM_OPS); op; op = this.nextOp(SUM_OPS)) {
      this.pos++;
      left = { kind: 'binary', op, left, right: this.product() };
    }
    return left;
  }

  private product(): Expr {
    let left = this.unary();
    for (let op = this.nextOp(PRODUCT_OPS); op; op = this.nextOp(PRODUCT_OPS)) {
      this.pos++;
      left = { kind: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    const sign = this.nextOp(SUM_OPS);
    if (sign) {
      this.pos++;
      return { kind: 'unary', sign, operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (t?.kind === 'number') {
      this.pos++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t?.kind === 'open') {
      this.pos++;
      const inner = this.sum();
      if (this.peek()?.kind !== 'close') this.fail('expected ")"');
      this.pos++;
      return inner;
    }
    return this.fail('expected a number or "("');
  }
}

/** The value of a parsed tree; throws on division by zero. */
export function evaluate(expr: Expr): number {
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'unary':
      return expr.sign === '-' ? -evaluate(expr.operand) : evaluate(expr.operand);
    case 'binary':
      return applyOp(expr.op, evaluate(expr.left), evaluate(expr.right));
  }
}

export function applyOp(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new Error('division by zero');
      return a / b;
  }
}

export function evaluateExpression(text: string): number {
  return evaluate(parseExpression(text));
}

/**
 * The integers written in the text, read the way the paper's reward reads them (every run of digits), so
 * "1.5" gives [1, 5]. The reward compares this multiset with the problem's numbers.
 */
export function expressionNumbers(text: string): number[] {
  return (text.match(/\d+/g) ?? []).map(Number);
}
