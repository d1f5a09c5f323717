import { describe, expect, it } from 'vitest';
import { alignQuote } from '../../src/behaviors/align.ts';

const completion = [
  'Let me try 25 + 6 = 31.',
  'That  is not   44, so let me try something else.',
  'Let me try 25 - 6 = 19. Now 19 * 3 = 57, too big.',
  'Let me try 44 - 25 = 19, so I need 19 from 6 and 3.',
].join('\n');

const slice = (q: { start: number; end: number } | null) => (q ? completion.slice(q.start, q.end) : null);

describe('alignQuote', () => {
  it('finds an exact quote at its offset', () => {
    const found = alignQuote(completion, '25 - 6 = 19');
    expect(found?.method).toBe('exact');
    expect(found?.start).toBe(completion.indexOf('25 - 6 = 19'));
    expect(slice(found)).toBe('25 - 6 = 19');
  });

  it('matches across collapsed whitespace, case and curly quotes, mapping back to the original text', () => {
    const found = alignQuote(completion, '“that is not 44, SO let me try something else”');
    expect(found?.method).toBe('normalised');
    expect(slice(found)).toBe('That  is not   44, so let me try something else');
  });

  it('joins the pieces of a quote that skips words with an ellipsis', () => {
    const found = alignQuote(completion, 'Now 19 * 3 ... too big');
    expect(found?.method).toBe('ellipsis');
    expect(slice(found)).toBe('Now 19 * 3 = 57, too big');
  });

  it('falls back to an approximate match for a quote with a small slip', () => {
    const typo = alignQuote(completion, 'so I need 19 form 6 and 3');
    expect(typo?.method).toBe('fuzzy');
    expect(slice(typo)).toBe('so I need 19 from 6 and 3');
    const wordForDigit = alignQuote(completion, 'so I need 19 from 6 and three');
    expect(wordForDigit?.method).toBe('fuzzy');
    expect(slice(wordForDigit)).toMatch(/^so I need 19 from 6 and 3/);
  });

  it('returns null for a quote that is not in the text', () => {
    expect(alignQuote(completion, 'the answer is obviously 1000 divided by seven')).toBeNull();
    expect(alignQuote(completion, '  ""  ')).toBeNull();
  });

  it('skips occurrences the caller marks as taken, so repeated quotes land on distinct places', () => {
    const first = alignQuote(completion, 'Let me try')!;
    const second = alignQuote(completion, 'Let me try', (s, e) => e <= first.start || s >= first.end)!;
    expect(first.start).toBe(0);
    expect(second.start).toBe(completion.indexOf('Let me try', 1));
    expect(alignQuote(completion, '25 + 6 = 31', () => false)).toBeNull();
  });
});
