// Results folders shaped like what veRL v0.7.0 and TRL v1.9.0 write (formats cited in
// src/scaleout/import/formats.ts), with completions from Primer's offline narrator so the behaviors are real.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { buildPrimingDataset } from '../../src/priming/build.ts';
import { countdownAccuracy, countdownReward } from '../../src/tasks/reward.ts';

export const STEPS = [0, 10, 20];
const PER_STEP = 6;

function examples(step: number) {
  const condition = step === 0 ? 'negative_control' : 'all_strategies';
  return buildPrimingDataset({ condition, count: PER_STEP, seed: 100 + step }).traces;
}

function write(dir: string, path: string, data: string | Uint8Array): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), data);
}

/** veRL: file-logger metrics.jsonl, console.log (Ray prefix, numpy reprs) and generations/STEP.jsonl dumps. */
export function writeVerlRun(dir: string): void {
  write(dir, 'primer-job.json', JSON.stringify({ engine: 'verl', cell: 'rl_primed', model: 'Qwen/Qwen2.5-3B' }));
  const metrics = STEPS.map((step, i) => ({
    step,
    data: {
      'val-core/countdown/acc/mean@1': 0.2 + 0.25 * i,
      'critic/score/mean': 0.3 + 0.2 * i,
      'actor/pg_loss': -0.01,
    },
  }));
  write(dir, 'out/rl/metrics.jsonl', metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const console = STEPS.map(
    (step, i) =>
      `(TaskRunner pid=4242) step:${step} - val-core/countdown/acc/mean@1:np.float64(${0.2 + 0.25 * i}) - timing_s/gen:12.5 - training/global_step:${step}`,
  );
  write(dir, 'out/rl/console.log', ['Dumped generations to out/rl/generations/0.jsonl', ...console].join('\n') + '\n');
  for (const step of STEPS) {
    const rows = examples(step).map((t) => ({
      input: t.prompt,
      output: t.completion,
      gts: { target: t.problem.target, numbers: t.problem.numbers },
      score: countdownReward(t.completion, t.problem),
      step,
      acc: countdownAccuracy(t.completion, t.problem),
    }));
    write(dir, `out/rl/generations/${step}.jsonl`, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
}

/** TRL: checkpoint-N/trainer_state.json (log_history) and completions/completions_NNNNN.parquet. */
export function writeTrlRun(dir: string): void {
  const history = STEPS.flatMap((step, i) => [
    { step, epoch: 0.1 * i, reward: 0.3 + 0.2 * i, 'rewards/countdown_accuracy/mean': 0.1 + 0.2 * i, loss: 0.01 },
    { step, 'eval_rewards/countdown_accuracy/mean': 0.15 + 0.3 * i, eval_loss: 0.02 },
  ]);
  const state = (upTo: number) =>
    JSON.stringify({ global_step: upTo, log_history: history.filter((h) => h.step <= upTo) }, null, 2);
  write(dir, 'out/rl/checkpoint-10/trainer_state.json', state(10));
  write(dir, 'out/rl/checkpoint-20/trainer_state.json', state(20));
  for (const step of STEPS) {
    const traces = examples(step);
    const column = (name: string, data: unknown[], type: 'STRING' | 'INT64' | 'DOUBLE') => ({ name, data, type });
    const parquet = parquetWriteBuffer({
      columnData: [
        column(
          'step',
          traces.map(() => BigInt(step)),
          'INT64',
        ),
        column(
          'prompt',
          traces.map((t) => t.prompt),
          'STRING',
        ),
        column(
          'completion',
          traces.map((t) => t.completion),
          'STRING',
        ),
        column(
          'countdown_reward',
          traces.map((t) => countdownReward(t.completion, t.problem)),
          'DOUBLE',
        ),
        column(
          'countdown_accuracy',
          traces.map((t) => countdownAccuracy(t.completion, t.problem)),
          'DOUBLE',
        ),
        column(
          'advantage',
          traces.map(() => 0),
          'DOUBLE',
        ),
      ],
    });
    write(dir, `out/rl/completions/completions_${String(step).padStart(5, '0')}.parquet`, new Uint8Array(parquet));
  }
}
