// `primer reward --task countdown|countdown-short --numbers 3,5,7 --target 22 < completion.txt`: prints the paper's reward
// (0, 0.1 or 1) of the completion on standard input; --accuracy prints the binary score, --lenient the
// forgiving variant. One trailing newline is taken as the end of the file, not part of the completion
// (the reward reads the last line, so it would otherwise always be empty).
import { parseNumberList } from '../../tasks/countdown.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { countdownAccuracy, countdownRewardLenient } from '../../tasks/reward.ts';
import { flag, numberFlag, parseFlags, readStdin, requireFlag } from '../args.ts';

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const task = taskNamed(flag(flags, 'task') ?? 'countdown');
  const problem = { numbers: parseNumberList(requireFlag(flags, 'numbers')), target: numberFlag(flags, 'target', NaN) };
  if (Number.isNaN(problem.target)) throw new Error('missing --target');
  const score = flag(flags, 'accuracy')
    ? countdownAccuracy
    : flag(flags, 'lenient')
      ? countdownRewardLenient
      : task.reward;
  console.log(String(score((await readStdin()).replace(/\r?\n$/, ''), problem)));
}
