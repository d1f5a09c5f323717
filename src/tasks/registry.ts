// The built-in tasks a notebook cell or a CLI flag can name.
import { countdownShortTask } from './countdownShortTask.ts';
import { countdownTask } from './countdownTask.ts';
import type { Task } from './task.ts';
import type { CountdownProblem } from './types.ts';

const BUILT_IN: readonly Task<CountdownProblem>[] = [countdownTask, countdownShortTask()];

export const TASKS: Readonly<Record<string, Task<CountdownProblem>>> = Object.fromEntries(
  BUILT_IN.map((task) => [task.name, task]),
);
export const TASK_NAMES: readonly string[] = Object.keys(TASKS);

export function taskNamed(name: string): Task<CountdownProblem> {
  const task = TASKS[name];
  if (!task) throw new Error(`unknown task "${name}" (known: ${TASK_NAMES.join(', ')})`);
  return task;
}
