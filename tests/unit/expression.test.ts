import { describe, expect, it } from 'vitest';
import { evaluateExpression, expressionNumbers, parseExpression } from '../../src/tasks/expression.ts';

describe('evaluateExpression', () => {
  it('follows precedence and left associativity', () => {
    expect(evaluateExpression('3 * 5 + 7')).toBe(22);
    expect(evaluateExpression('3 + 5 * 7')).toBe(38);
    expect(evaluateExpression('20 - 5 - 3')).toBe(12);
    expect(evaluateExpression('48 / 4 / 2')).toBe(6);
    expect(evaluateExpression('2 * 3 / 4')).toBe(1.5);
  });

  it('reads parentheses, nested ones included', () => {
    expect(evaluateExpression('(3 + 5) * 7')).toBe(56);
    expect(evaluateExpression('((2 + 3) * (4 - 1)) / (6 - (2 + 1))')).toBe(5);
    expect(evaluateExpression('(((7)))')).toBe(7);
  });

  it('reads unary signs, decimals and any spacing', () => {
    expect(evaluateExpression('-3 + 5')).toBe(2);
    expect(evaluateExpression('3 - -5')).toBe(8);
    expect(evaluateExpression('+4*-2')).toBe(-8);
    expect(evaluateExpression('1.5 * 4')).toBe(6);
    expect(evaluateExpression('.5 + 5.')).toBe(5.5);
    expect(evaluateExpression('  3\t*5 +7  ')).toBe(22);
  });

  it('keeps fractions on the way to an integer', () => {
    expect(evaluateExpression('(1 / 3) * 9')).toBeCloseTo(3, 12);
    expect(evaluateExpression('8 / (3 - 8 / 3)')).toBeCloseTo(24, 9);
  });

  it('throws a clear error on bad syntax', () => {
    expect(() => evaluateExpression('')).toThrow(/empty expression/);
    expect(() => evaluateExpression('3 +')).toThrow(/expected a number or "\(" at end/);
    expect(() => evaluateExpression('(3 + 5')).toThrow(/expected "\)"/);
    expect(() => evaluateExpression('3 + 5)')).toThrow(/unexpected token at position 5/);
    expect(() => evaluateExpression('3 5')).toThrow(/unexpected token/);
    expect(() => evaluateExpression('3 ** 2')).toThrow(/expected a number/);
    expect(() => evaluateExpression('2^3')).toThrow(/unexpected character "\^" at position 1/);
    expect(() => evaluateExpression('1..2')).toThrow(/bad number|unexpected token/);
    expect(() => evaluateExpression('3 − 2')).toThrow(/unexpected character "−"/);
  });

  it('throws on division by zero, also by a computed zero', () => {
    expect(() => evaluateExpression('5 / 0')).toThrow(/division by zero/);
    expect(() => evaluateExpression('5 / (3 - 3)')).toThrow(/division by zero/);
  });

  it('builds a tree a caller can walk', () => {
    expect(parseExpression('3 * (5 + 7)')).toEqual({
      kind: 'binary',
      op: '*',
      left: { kind: 'number', value: 3 },
      right: { kind: 'binary', op: '+', left: { kind: 'number', value: 5 }, right: { kind: 'number', value: 7 } },
    });
  });
});

describe('expressionNumbers', () => {
  it('lists the integers as the paper reads them', () => {
    expect(expressionNumbers('(44 + 19) - 35')).toEqual([44, 19, 35]);
    expect(expressionNumbers('1.5 * 4')).toEqual([1, 5, 4]);
    expect(expressionNumbers('no digits')).toEqual([]);
  });
});
