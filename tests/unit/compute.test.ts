import { describe, expect, it } from 'vitest';
import { align4, foldWorkgroups, joinCode } from '../../src/engine/compute.ts';

describe('compute helpers', () => {
  it('rounds byte sizes up to 4', () => {
    expect([0, 1, 4, 5, 7].map(align4)).toEqual([0, 4, 4, 8, 8]);
  });
  it('folds workgroup counts under the per-dimension limit', () => {
    expect(foldWorkgroups(100)).toEqual([100, 1]);
    const [x, y] = foldWorkgroups(200_000);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(200_000);
  });
  it('joins kernel sources from parts, the same text whichever way the parts are cut', () => {
    expect(joinCode('fn a() {}\n', 'fn b() {}')).toBe('fn a() {}\nfn b() {}');
    expect(joinCode('fn a() {}\n', 'fn b() {}')).toBe(joinCode('fn a() {}\nfn b', '() {}'));
    expect(joinCode('x', 'y', 'z')).toBe('xyz');
    expect(joinCode('x', 'y')).toBe('xy'); // a prefix of a joined path has its own text
  });
});
