// `primer grpo --model DIR --task countdown --steps N --out DIR [--adapter DIR] [--prompts P --group G --lr LR
// --kl BETA --max-tokens N --temperature T --top-p P --seed S --algorithm grpo|dr_grpo --method lora|full --rank R --alpha A
// --template base|chat --checkpoint-every N --resume CKPT --quant none|f16|f32|q4 --micro-batch-tokens N --checkpointing]`
// GRPO on Countdown problems drawn from --seed. Continues from --adapter when given (it is also the KL
// reference). Writes the trained adapter (or model) into --out with checkpoint-STEP.bin files and every
// rollout to rollouts.jsonl, and prints one line of metrics per step.
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BEHAVIORS } from '../../behaviors/types.ts';
import { rlSizeProblem } from '../../app/rlBudget.ts';
import { runTaskRl, type RlStepMetrics, type TaskRollout } from '../../app/taskRl.ts';
import { CELL_SPECS } from '../../notebook/cells.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { FORCE, fromField, parseCommand, type CommandSpec } from '../args.ts';
import { ADAPTER_FLAG, MODEL_FLAG } from '../modelFlags.ts';
import { clockText, outputFolder, resumeFlag, TRAINING_FLAGS, trainingModel } from '../trainOutput.ts';

const ROLLOUTS = 'rollouts.jsonl';
/** An rl cell's declaration gives the defaults, ranges and help. */
const RL = CELL_SPECS.rl.fields;

export const spec = {
  summary: "GRPO on a task's training problems, printing one line of metrics per step",
  flags: {
    model: MODEL_FLAG,
    task: fromField(RL.task),
    template: fromField(RL.template),
    steps: fromField(RL.steps),
    out: {
      type: 'text',
      required: true,
      placeholder: 'DIR',
      help: 'where the trained files, checkpoints and rollouts go',
    },
    adapter: { ...ADAPTER_FLAG, help: 'a PEFT adapter to continue from (also the KL reference)' },
    prompts: fromField(RL.prompts),
    group: fromField(RL.group),
    lr: fromField(RL.lr),
    kl: fromField(RL.kl),
    'max-tokens': fromField(RL.max_tokens),
    temperature: fromField(RL.temperature),
    'top-p': fromField(CELL_SPECS.sample.fields.top_p),
    seed: fromField(RL.seed),
    algorithm: fromField(RL.algorithm),
    method: fromField(CELL_SPECS.prime.fields.method),
    rank: fromField(RL.rank),
    alpha: { type: 'number', min: 0.01, max: 1024, help: 'LoRA alpha (scale = alpha / rank); default: 2 × rank' },
    'checkpoint-every': fromField(RL.checkpoint_every),
    ...TRAINING_FLAGS,
    force: FORCE,
  },
} as const satisfies CommandSpec;

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
  const { values: v, flags } = parseCommand('grpo', spec, args);
  const task = taskNamed(v.task);
  const { method, steps, prompts, seed, rank, template } = v;
  const tooBig = rlSizeProblem({ steps, prompts, group: v.group, maxTokens: v['max-tokens'] });
  if (tooBig) throw new Error(tooBig);
  const out = outputFolder(flags, [ROLLOUTS]);
  const options = {
    steps,
    prompts,
    seed,
    rank,
    task: task.name,
    template,
    method,
    problems: { count: steps * prompts, seed },
    group: v.group,
    lr: v.lr,
    kl: v.kl,
    maxTokens: v['max-tokens'],
    temperature: v.temperature,
    topP: v['top-p'],
    alpha: v.alpha ?? 2 * rank,
    algorithm: v.algorithm,
    checkpointEvery: v['checkpoint-every'],
    microBatchTokens: v['micro-batch-tokens'],
    checkpointing: v.checkpointing,
    resume: await resumeFlag(flags),
  } as const;
  const { device, model } = await trainingModel(flags, method);
  await out.open();
  const rolloutsPath = join(out.dir, ROLLOUTS);
  if (!options.resume) await writeFile(rolloutsPath, '');
  console.log(
    `GRPO on ${options.problems.count} ${task.name} problems: ${prompts} × ${options.group} rollouts per step, lr ${options.lr}, kl ${options.kl}`,
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
