// The README.md of a job folder: what it runs, the exact commands, the hardware the paper used, the versions
// the files were written for, and how to bring the results back into Primer.
import type { JobPlan, Stage } from './plan.ts';
import { TRL_VERSION } from './trl.ts';
import { PRIME_OUT, RL_OUT, VERL_VERSION } from './verl.ts';

function settingsTable(stage: Stage<unknown>): string {
  const rows = Object.entries(stage.settings)
    .filter(([field]) => field !== 'kind')
    .map(([field, value]) => `| ${field} | ${String(value)} | ${stage.fromPaper.includes(field) ? 'paper' : 'cell'} |`);
  return ['| setting | value | from |', '|---|---|---|', ...rows].join('\n');
}

function verlCommands(plan: JobPlan): string[] {
  return [
    `pip install "verl==${VERL_VERSION.slice(1)}" vllm   # veRL ${VERL_VERSION}, with vLLM for the rollouts`,
    ...(plan.prime ? [`GPUS=${plan.gpus} ./prime.sh   # priming: writes ${PRIME_OUT}/global_step_*/huggingface`] : []),
    ...(plan.rl ? [`GPUS=${plan.gpus} ./rl.sh      # RL: checkpoints, metrics and generations under ${RL_OUT}/`] : []),
  ];
}

function trlCommands(plan: JobPlan): string[] {
  const launch = `accelerate launch --num_processes ${plan.gpus}`;
  return [
    `pip install "trl[vllm]==${TRL_VERSION.slice(1)}" peft deepspeed   # TRL ${TRL_VERSION}`,
    ...(plan.prime ? [`${launch} sft.py    # priming: adapter or model in ${PRIME_OUT}/`] : []),
    ...(plan.rl ? [`${launch} grpo.py   # RL: checkpoints, trainer_state.json and completions/ in ${RL_OUT}/`] : []),
    '# several nodes: on each, accelerate launch --config_file accelerate_zero3.yaml --machine_rank N grpo.py',
  ];
}

const RESULTS: Record<JobPlan['engine'], string> = {
  verl:
    `veRL writes the metrics of every step to ${RL_OUT}/metrics.jsonl (its "file" logger) and ${RL_OUT}/console.log, ` +
    `the validation generations of every test step to ${RL_OUT}/generations/STEP.jsonl, and checkpoints to ${RL_OUT}/.`,
  trl:
    `TRL writes ${RL_OUT}/checkpoint-N/trainer_state.json (log_history: reward, rewards/countdown_accuracy/mean, ` +
    `completion lengths per step), the completions of each logged step to ${RL_OUT}/completions/*.parquet, and the ` +
    'adapter or model.',
};

export function jobReadme(plan: JobPlan): string {
  const engine = plan.engine === 'verl' ? `veRL ${VERL_VERSION}` : `TRL ${TRL_VERSION}`;
  const commands = plan.engine === 'verl' ? verlCommands(plan) : trlCommands(plan);
  return `# ${plan.notebookTitle}: cell "${plan.cellId}" on ${engine}

Written by Primer's \`export-job\` for ${engine} (veRL ${VERL_VERSION} and TRL ${TRL_VERSION} are the releases
these files were checked against). Base model: \`${plan.model}\`. The prompt, the reward, the data and the
hyperparameters are the notebook's; where the cell says nothing, the paper's values are used (Gandhi et al. 2025,
"Cognitive Behaviors that Enable Self-Improving Reasoners").

## Run

\`\`\`bash
${commands.join('\n')}
\`\`\`

Check the reward first: \`python3 countdown_reward.py countdown_reward_cases.jsonl\` scores the
cases Primer checked it against and prints \`0 mismatches\`.

## What the paper needed

Priming: full fine-tuning of Llama-3.2-3B on 2 GPUs (veRL FSDP SFT, 5 epochs of 1,000 traces). RL: PPO for 250
steps of 256 prompts × 4 samples on 4 to 8 80 GB A100s or H100s, vLLM rollouts with tensor parallelism 2. The
paper gives no wall-clock time; a comparable public run (TRL GRPO on Qwen2.5-3B, 4 × H100) took about 6 hours
for 450 steps.

## Settings
${plan.prime ? `\nPriming (cell "${plan.prime.cellId}"):\n\n${settingsTable(plan.prime)}\n` : ''}${
    plan.rl ? `\nRL (cell "${plan.rl.cellId}"):\n\n${settingsTable(plan.rl)}\n` : ''
  }
## Files

- \`data/\`: the priming traces (train / validation) and the RL problems (train / test) in ${engine}'s layout.
- \`countdown_reward.py\`: the paper's reward (0, 0.1 for a well-formed wrong answer, 1), exactly as Primer scores it.
- \`primer-job.json\`: what was exported; \`primer import-run\` reads it to label the results.

## Bring the results back

${RESULTS[plan.engine]} Copy this folder back (the data can stay behind) and run
\`node bin/primer.js import-run FOLDER\`, or use "Import a run" in the notebook: the run's accuracy and behavior
curves appear beside the notebook's in its chart and compare cells, and its generations are annotated.
`;
}
