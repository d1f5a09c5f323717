import { describe, expect, it } from 'vitest';
import { unrollQuadLoops } from '../../src/engine/kernels/unrollQuads.ts';

describe('unrollQuadLoops (the emulator attention kernels)', () => {
  it('copies each quad loop body once per quad with its variable a constant, nested braces kept', () => {
    const code = [
      'var s = 0.0;',
      'for (var i = 0u; i < QUADS; i++) { if (i > 0u) { s += q[i] * k[kb + i]; } }',
      'for (var j = 0u; j < QUADS; j++) { o[j] = oi[j]; }',
      'for (var j = 0u; j < count; j++) { x += j; }',
    ].join('\n');
    expect(unrollQuadLoops(code, 2).split('\n')).toEqual([
      'var s = 0.0;',
      '{ if (0u > 0u) { s += q[0u] * k[kb + 0u]; } } { if (1u > 0u) { s += q[1u] * k[kb + 1u]; } }',
      '{ o[0u] = oi[0u]; } { o[1u] = oi[1u]; }',
      'for (var j = 0u; j < count; j++) { x += j; }',
    ]);
  });

  it('unrolls row loops too, and the quad loops nested in them', () => {
    const code =
      'for (var r = 0u; r < ROWS; r++) { m[r] = 0.0; for (var i = 0u; i < QUADS; i++) { o[r * 32u + i] = v[i]; } }';
    expect(unrollQuadLoops(code, 2, 2)).toBe(
      '{ m[0u] = 0.0; { o[0u * 32u + 0u] = v[0u]; } { o[0u * 32u + 1u] = v[1u]; } } ' +
        '{ m[1u] = 0.0; { o[1u * 32u + 0u] = v[0u]; } { o[1u * 32u + 1u] = v[1u]; } }',
    );
    expect(unrollQuadLoops(code, 1)).toBe('{ m[0u] = 0.0; { o[0u * 32u + 0u] = v[0u]; } }');
  });

  it('refuses a loop it cannot close', () => {
    expect(() => unrollQuadLoops('for (var i = 0u; i < QUADS; i++) { x += 1.0;', 4)).toThrow(/closing brace/);
  });
});
