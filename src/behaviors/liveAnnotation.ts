// The rule annotator on a solution that is still being written. The rules read whole sentences, so they run
// again only when another sentence is complete, on the text up to it: a highlight appears as soon as the
// sentence that shows it is written, and a sentence still being written never flickers in and out of one.
import { annotateSpans, RULES_ANNOTATOR_NAME } from './rules.ts';
import { zeroCounts, type Annotation } from './types.ts';
import type { CountdownProblem } from '../tasks/types.ts';

// Where a sentence ends, as the rules split them (rulesText.ts): a newline, or . ! ? ; before white space.
const COMPLETE = /[\s\S]*(?:\n|[.!?;]\s)/;

/** The length of the text's complete sentences. */
export function completeLength(text: string): number {
  return COMPLETE.exec(text)?.[0].length ?? 0;
}

export class LiveAnnotator {
  #annotated = 0;
  #annotation: Annotation = { counts: zeroCounts(), spans: [], annotator: RULES_ANNOTATOR_NAME };

  constructor(readonly problem: CountdownProblem) {}

  /** The annotation of `text` so far (all of it once `finished`). */
  update(text: string, finished = false): Annotation {
    const upTo = finished ? text.length : completeLength(text);
    if (upTo > this.#annotated) {
      this.#annotated = upTo;
      this.#annotation = annotateSpans(this.problem, text.slice(0, upTo));
    }
    return this.#annotation;
  }
}
