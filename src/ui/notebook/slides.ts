// A notebook as a teacher presents it: one step at a time, the prose of a section, then the output of the
// cell that follows it, shown big. Prose is cut at headings, and a long section at paragraph breaks, so
// each slide reads from the back of a room without scrolling.
import { isPrimerCell, type Cell, type NotebookCell } from '../../notebook/types.ts';

export type Slide = { kind: 'prose'; text: string } | { kind: 'cell'; cell: Cell };

/** Prose longer than this (characters) goes on to another slide at a paragraph break. */
export const SLIDE_CHARS = 520;

export function slidesOf(cells: readonly NotebookCell[]): Slide[] {
  return cells.flatMap((cell): Slide[] =>
    isPrimerCell(cell) ? [{ kind: 'cell', cell }] : proseSlides(cell.text).map((text) => ({ kind: 'prose', text })),
  );
}

/** The prose's sections (a heading and what follows it), long ones cut at paragraph breaks. */
export function proseSlides(text: string): string[] {
  const sections = text.split(/\n(?=#{1,6}\s)/).filter((s) => s.trim());
  return sections.flatMap((section) => {
    const slides: string[] = [];
    for (const paragraph of section.trim().split(/\n\s*\n/)) {
      const last = slides.length - 1;
      if (last >= 0 && slides[last].length + paragraph.length <= SLIDE_CHARS) slides[last] += `\n\n${paragraph}`;
      else slides.push(paragraph);
    }
    return slides;
  });
}
