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
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const fail = (what: string): never => {
    const t = peek();
    throw new Error(`${what} ${t ? `at position ${t.at}` : 'at end'} in "${text}"`);
  };

  const parseSum = (): Expr => {
    let left = parseProduct();
    for (let t = peek(); t?.kind === 'op' && (t.text === '+' || t.text === '-'); t = peek()) {
      pos++;
      left = { kind: 'binary', op: t.text, left, right: parseProduct() };
    }
    return left;
  };
  const parseProduct = (): Expr => {
    let left = parseUnary();
    for (let t = peek(); t?.kind === 'op' && (t.text === '*' || t.text === '/'); t = peek()) {
      pos++;
      left = { kind: 'binary', op: t.text, left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Expr => {
    const t = peek();
    if (t?.kind === 'op' && (t.text === '+' || t.text === '-')) {
      pos++;
      return { kind: 'unary', sign: t.text, operand: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    if (t?.kind === 'number') {
      pos++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t?.kind === 'open') {
      pos++;
      const inner = parseSum();
      if (peek()?.kind !== 'close') fail('expected ")"');
      pos++;
      return inner;
    }
    return fail('expected a number or "("');
  };

  const tree = parseSum();
  if (pos < tokens.length) fail('unexpected token');
  return tree;
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
