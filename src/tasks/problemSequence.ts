// A run's problems, made as the run reaches them: an RL cell of 100,000 steps × 1,024 problems names 10⁸
// problems, which cannot be made (or posted to a Worker) before its first step. Every task's problems(split,
// count, seed) keeps a smaller count's problems as its prefix, so problem i is the same as made all at once.
import type { ProblemSplit, Task } from './task.ts';

export class ProblemSequence<P> {
  #made: P[] = [];

  constructor(
    readonly task: Task<P>,
    readonly split: ProblemSplit,
    readonly count: number,
    readonly seed: number,
  ) {}

  /** Problem i; reaching past those made so far makes twice as many (so making n problems costs about 2n). */
  at(i: number): P {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new RangeError(`problem ${i} is outside this run's ${this.count} problems`);
    if (i >= this.#made.length)
      this.#made = this.task.problems(this.split, Math.min(this.count, Math.max(64, 2 * (i + 1))), this.seed);
    return this.#made[i];
  }

  /** How many problems have been made so far. */
  get made(): number {
    return this.#made.length;
  }
}
