// `primer reward --task countdown|countdown-short --numbers 3,5,7 --target 22 < completion.txt`: prints the paper's reward
// (0, 0.1 or 1) of the completion on standard input; --accuracy prints the binary score, --lenient the
// forgiving variant. One trailing newline is taken as the end of the file, not part of the completion
// (the reward reads the last line, so it would otherwise always be empty).
import { CELL_SPECS } from '../../notebook/cells.ts';
import { parseNumberList } from '../../tasks/countdown.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { countdownAccuracy, countdownRewardLenient } from '../../tasks/reward.ts';
import { fromField, parseCommand, readStdin, type CommandSpec } from '../args.ts';

export const spec = {
  summary: "prints the reward of the completion on standard input (the paper's 0, 0.1 or 1)",
  flags: {
    task: fromField(CELL_SPECS.sample.fields.task),
    numbers: { type: 'text', required: true, placeholder: 'LIST', help: "the problem's numbers, e.g. 3,5,7" },
    target: { type: 'number', integer: true, min: 0, required: true, help: "the problem's target" },
    accuracy: { type: 'switch', help: 'print the binary score (1 for a correct answer, else 0)' },
    lenient: { type: 'switch', help: 'print the forgiving variant of the reward' },
  },
} as const satisfies CommandSpec;

export async function run(args: string[]): Promise<void> {
  const { values: v } = parseCommand('reward', spec, args);
  const task = taskNamed(v.task);
  const problem = { numbers: parseNumberList(v.numbers), target: v.target };
  const score = v.accuracy ? countdownAccuracy : v.lenient ? countdownRewardLenient : task.reward;
  console.log(String(score((await readStdin()).replace(/\r?\n$/, ''), problem)));
}
