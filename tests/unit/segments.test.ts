import { describe, expect, it } from 'vitest';
import type { BehaviorSpan } from '../../src/behaviors/types.ts';
import { segmentText } from '../../src/ui/solutions/segments.ts';

const span = (behavior: BehaviorSpan['behavior'], start: number, end: number): BehaviorSpan => ({
  behavior,
  start,
  end,
  evidence: '',
});

describe('segmentText', () => {
  const text = '3 * 5 = 15, not 22. Try 15 + 7 = 22.';

  it('covers the whole text exactly once', () => {
    const segs = segmentText(text, [span('verification', 12, 18), span('backtracking', 20, 36)]);
    expect(segs.map((s) => s.text).join('')).toBe(text);
    expect(segs.find((s) => s.text === 'not 22')?.spans.map((s) => s.behavior)).toEqual(['verification']);
  });

  it('marks overlapping spans on the shared run', () => {
    const segs = segmentText(text, [span('verification', 0, 18), span('subgoal', 8, 10)]);
    const shared = segs.find((s) => s.text === '15');
    expect(shared?.spans.map((s) => s.behavior).sort()).toEqual(['subgoal', 'verification']);
  });

  it('hides behaviors that are filtered out and clamps spans past the end', () => {
    const segs = segmentText(text, [span('verification', 0, 5), span('backward', 30, 999)], new Set(['backward']));
    expect(segs.some((s) => s.spans.some((x) => x.behavior === 'verification'))).toBe(false);
    expect(segs.at(-1)?.spans.map((s) => s.behavior)).toEqual(['backward']);
    expect(segs.map((s) => s.text).join('')).toBe(text);
  });
});
