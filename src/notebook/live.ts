// What a running cell shows before it has a result: solutions as they are written. A cell's handler sends
// these through CellContext.live; the runner hands them to the UI and never stores them (the finished
// traces are stored as before).
import type { CountdownProblem } from '../tasks/types.ts';

export type LiveEvent =
  /** A new batch of solutions starts in `column` (one column per model), replacing that column's rows. */
  | { type: 'rows'; column: number; label: string; problems: CountdownProblem[] }
  /** Newly written text of one row: `tokens` tokens' worth. */
  | { type: 'text'; column: number; row: number; delta: string; tokens: number };
