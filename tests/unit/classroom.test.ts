// The classroom's pure parts: a notebook cut into slides, and the student's read-only link.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNotebook } from '../../src/notebook/format.ts';
import { decodeShareFragment, encodeShareFragment, viewFragment } from '../../src/notebook/share.ts';
import { parseRoute } from '../../src/ui/router.svelte.ts';
import { proseSlides, SLIDE_CHARS, slidesOf } from '../../src/ui/notebook/slides.ts';

describe('slides', () => {
  it('steps through the classroom notebook: prose of each section, then each cell', () => {
    const nb = parseNotebook(readFileSync('notebooks/05-classroom-demo.md', 'utf8'));
    const slides = slidesOf(nb.cells);
    expect(slides.map((s) => (s.kind === 'cell' ? s.cell.id : 'prose'))).toEqual([
      'prose',
      'prose',
      'smallest',
      'live',
      'highlighted',
      'answers',
      'scoreboard',
    ]);
    for (const s of slides) if (s.kind === 'prose') expect(s.text.length).toBeLessThanOrEqual(SLIDE_CHARS);
  });

  it('cuts prose at headings, and long sections at paragraph breaks only', () => {
    const long = 'x'.repeat(SLIDE_CHARS - 10);
    expect(proseSlides(`# One\n\nshort\n\n## Two\n\n${long}\n\nmore\n\n`)).toEqual([
      '# One\n\nshort',
      `## Two\n\n${long}`,
      'more',
    ]);
    expect(proseSlides('\n\n')).toEqual([]);
  });
});

describe("a student's link", () => {
  it('carries the same notebook as the share link, and routes to the read-only view', async () => {
    const text = readFileSync('tests/fixtures/notebooks/classroom.md', 'utf8');
    const shared = await encodeShareFragment(text);
    const view = viewFragment(shared);
    expect(view).toMatch(/^view=/);
    expect(view.slice('view='.length)).toBe(shared.slice('nb='.length));
    expect(await decodeShareFragment(`#${view}`)).toBe(text);
    expect(parseRoute(`#${view}`)).toEqual({ page: 'view', fragment: view });
    expect(parseRoute(`#${shared}`)).toEqual({ page: 'shared', fragment: shared });
    await expect(decodeShareFragment('#view=%%%')).rejects.toThrow(/damaged/);
  });
});
