// `primer grpo --model DIR --task countdown --steps N --out DIR [--adapter DIR] [--prompts P --group G --lr LR
// --kl BETA --max-tokens N --temperature T --top-p P --seed S --dr-grpo --method lora|full --rank R --alpha A
// --template base|chat --checkpoint-every N --resume CKPT --quant none|f16|f32|q4 --micro-batch-tokens N --checkpointing]`
// GRPO on Countdown problems drawn from --seed. Continues from --adapter when given (it is also the KL
// reference). Writes the trained adapter (or model) into --out with checkpoint-STEP.bin files and every
// rollout to rollouts.jsonl, and prints one line of metrics per step.
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BEHAVIORS } from '../../behaviors/types.ts';
import { runTaskRl, type RlStepMetrics, type TaskRollout } from '../../app/taskRl.ts';
import { CELL_SPECS } from '../../notebook/cells.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { checkKnownFlags, flag, integerFlag, numberFlag, parseFlags } from '../args.ts';
import { clockText, methodFlag, outputFolder, resumeFlag, trainingModel } from '../trainOutput.ts';

const FLAGS = [
  'model',
  'task',
  'adapter',
  'steps',
  'out',
  'prompts',
  'group',
  'lr',
  'kl',
  'max-tokens',
  'temperature',
  'top-p',
  'seed',
  'dr-grpo',
  'method',
  'rank',
  'alpha',
  'template',
  'checkpoint-every',
  'resume',
  'quant',
  'micro-batch-tokens',
  'checkpointing',
  'force',
];

const ROLLOUTS = 'rollouts.jsonl';
/** An rl cell's declaration gives the defaults. */
const RL = CELL_SPECS.rl.fields;

function stepLine(m: RlStepMetrics): string {
  const behaviors = BEHAVIORS.map((b) => `${b} ${m.behaviors[b].toFixed(2)}`).join(', ');
  return (
    `step ${m.step}/${m.steps}  reward ${m.meanReward.toFixed(3)}  accuracy ${m.accuracy.toFixed(3)}  length ${m.meanLength.toFixed(0)} chars  ` +
    `kl ${m.kl === undefined ? '-' : m.kl.toExponential(2)}  loss ${m.loss.toFixed(4)}  grad-norm ${m.gradNorm.toFixed(3)}  ` +
    `[${behaviors}]  rollout ${m.rolloutTokensPerSecond.toFixed(0)} tok/s  train ${m.tokensPerSecond.toFixed(0)} tok/s  left ${clockText(m.secondsLeft)}`
  );
}

function rolloutLine(r: TaskRollout): string {
  const { problem, annotation, ...rest } = r;
  return `${JSON.stringify({ ...rest, numbers: problem.numbers, target: problem.target, behaviors: annotation?.counts })}\n`;
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  checkKnownFlags(flags, FLAGS);
  const task = taskNamed(flag(flags, 'task') ?? 'countdown');
  const template = flag(flags, 'template') ?? 'base';
  if (template !== 'base' && template !== 'chat') throw new Error(`--template must be base or chat, got "${template}"`);
  const method = methodFlag(flags);
  const out = outputFolder(flags, [ROLLOUTS]);
  const steps = integerFlag(flags, 'steps', 100, 1);
  const prompts = integerFlag(flags, 'prompts', RL.prompts.default, 1);
  const seed = integerFlag(flags, 'seed', 0);
  const rank = integerFlag(flags, 'rank', RL.rank.default, 1);
  const options = {
    steps,
    prompts,
    seed,
    rank,
    task: task.name,
    template,
    method,
    problems: task.problems('train', steps * prompts, seed),
    group: integerFlag(flags, 'group', RL.group.default, 2),
    lr: numberFlag(flags, 'lr', method === 'lora' ? RL.lr.default : 1e-6),
    kl: numberFlag(flags, 'kl', RL.kl.default),
    maxTokens: integerFlag(flags, 'max-tokens', RL.max_tokens.default, 1),
    temperature: numberFlag(flags, 'temperature', RL.temperature.default),
    topP: numberFlag(flags, 'top-p', 1),
    alpha: numberFlag(flags, 'alpha', 2 * rank),
    algorithm: flag(flags, 'dr-grpo') === undefined ? 'grpo' : 'dr_grpo',
    checkpointEvery: integerFlag(flags, 'checkpoint-every', RL.checkpoint_every.default),
    microBatchTokens: integerFlag(flags, 'micro-batch-tokens', 2048, 1),
    checkpointing: flag(flags, 'checkpointing') !== undefined,
    resume: await resumeFlag(flags),
  } as const;
  const { device, model } = await trainingModel(flags, method);
  await out.open();
  const rolloutsPath = join(out.dir, ROLLOUTS);
  if (!options.resume) await writeFile(rolloutsPath, '');
  console.log(
    `GRPO on ${options.problems.length} ${task.name} problems: ${prompts} × ${options.group} rollouts per step, lr ${options.lr}, kl ${options.kl}`,
  );
  const outcome = await runTaskRl(model, options, {
    onStep: (m) => console.log(stepLine(m)),
    onRollouts: (rows) => appendFile(rolloutsPath, rows.map(rolloutLine).join('')),
    onCheckpoint: out.saveCheckpoint,
  });
  await out.saveFiles(outcome.files);
  model.destroy();
  device.destroy();
}
