// veRL v0.7.0 launch scripts: the priming run on its FSDP SFT trainer (verl.trainer.fsdp_sft_trainer) and the
// RL run as Hydra overrides of verl.trainer.main_ppo. The cell's settings come through the mapping table;
// the fixed lines are the paper's choices that Primer has no field for (Gandhi et al. 2025, §3).
import type { JsonValue } from '../store/schema.ts';
import { rowsOf, type Keys, type Settings } from './mapping.ts';
import type { JobPlan } from './plan.ts';

export const VERL_VERSION = 'v0.7.0';
export const PRIME_OUT = 'out/prime';
export const RL_OUT = 'out/rl';

/** The paper's plain-text prompt goes through unchanged: a chat template that only joins the turns. */
const PLAIN_TEMPLATE = '{% for message in messages %}{{ message.content }}{% endfor %}';

export interface VerlStage {
  /** The config keys this stage sets, for checking against veRL's own config. */
  keys: Keys;
  script: string;
}

function hydraValue(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(hydraValue).join(',')}]`;
  if (typeof value === 'string') return /^[\w./@$-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
  return String(value);
}

function overrideLines(keys: Keys): string[] {
  return Object.entries(keys).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const line = `${key}=${hydraValue(value)}`;
    if (line.includes("'")) throw new Error(`veRL override ${key} has a quote in its value`);
    // $START and $GPUS stay shell variables: double quotes let the shell fill them in.
    return [line.includes('$') ? `  "${line}" \\` : `  '${line}' \\`];
  });
}

/** Every key the mapping rows give for these settings. */
export function mappedKeys(kind: 'prime' | 'rl', settings: Settings, engine: 'verl' | 'trl'): Keys {
  const keys: Keys = {};
  for (const row of rowsOf(kind)) Object.assign(keys, row[engine](settings[row.field], settings));
  return keys;
}

export function verlPrime(plan: JobPlan): VerlStage {
  const prime = plan.prime!;
  const keys: Keys = {
    'data.train_files': 'data/prime_train.parquet',
    'data.val_files': 'data/prime_val.parquet',
    'data.prompt_key': 'prompt',
    'data.response_key': 'response',
    'data.micro_batch_size_per_gpu': Math.max(
      1,
      Math.min(8, Math.floor(Number(prime.settings.batch_size) / plan.gpus)),
    ),
    'model.partial_pretrain': plan.model,
    'trainer.default_local_dir': PRIME_OUT,
    'trainer.project_name': 'primer',
    'trainer.experiment_name': prime.cellId,
    'trainer.logger': ['console', 'file'],
    'trainer.checkpoint.save_contents': ['model', 'optimizer', 'extra', 'hf_model'],
    ...mappedKeys('prime', { ...prime.settings, gpus: plan.gpus }, 'verl'),
  };
  const script = [
    '#!/usr/bin/env bash',
    `# Priming (cell "${prime.cellId}"): veRL ${VERL_VERSION} FSDP SFT trainer on $GPUS GPUs of one node.`,
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    `GPUS=\${GPUS:-${plan.gpus}}`,
    `mkdir -p ${PRIME_OUT}`,
    `export VERL_FILE_LOGGER_PATH=${PRIME_OUT}/metrics.jsonl`,
    'torchrun --standalone --nnodes=1 --nproc_per_node="$GPUS" -m verl.trainer.fsdp_sft_trainer \\',
    ...overrideLines(keys),
    `  2>&1 | tee ${PRIME_OUT}/console.log`,
    '',
  ].join('\n');
  return { keys, script };
}

function rlKeys(plan: JobPlan): Keys {
  const rl = plan.rl!;
  const settings: Settings = { ...rl.settings, gpus: plan.gpus };
  const critic: Keys =
    settings.algorithm === 'ppo' ? { 'critic.model.path': '$START', 'critic.ppo_micro_batch_size_per_gpu': 4 } : {};
  return {
    'data.train_files': 'data/rl_train.parquet',
    'data.val_files': 'data/rl_test.parquet',
    'data.prompt_key': 'prompt',
    'data.max_prompt_length': 256,
    'actor_rollout_ref.model.path': '$START',
    ...(rl.data.template === 'base' ? { 'actor_rollout_ref.model.custom_chat_template': PLAIN_TEMPLATE } : {}),
    'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu': 4,
    'actor_rollout_ref.actor.entropy_coeff': 0.001,
    'actor_rollout_ref.rollout.name': 'vllm',
    'actor_rollout_ref.rollout.tensor_model_parallel_size': Math.min(2, plan.gpus),
    'actor_rollout_ref.rollout.gpu_memory_utilization': 0.4,
    'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu': 8,
    'actor_rollout_ref.rollout.val_kwargs.temperature': 1.0,
    'actor_rollout_ref.rollout.val_kwargs.do_sample': true,
    'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu': 8,
    ...critic,
    'custom_reward_function.path': 'countdown_reward.py',
    'custom_reward_function.name': 'compute_score',
    'trainer.project_name': 'primer',
    'trainer.experiment_name': rl.cellId,
    'trainer.default_local_dir': RL_OUT,
    'trainer.logger': ['console', 'file'],
    'trainer.validation_data_dir': `${RL_OUT}/generations`,
    'trainer.val_before_train': true,
    'trainer.nnodes': 1,
    'trainer.n_gpus_per_node': '$GPUS',
    ...mappedKeys('rl', settings, 'verl'),
  };
}

export function verlRl(plan: JobPlan): VerlStage {
  const keys = rlKeys(plan);
  const start = plan.prime
    ? `START=$(ls -d ${PRIME_OUT}/global_step_* | sort -V | tail -n 1)/huggingface  # the primed model`
    : `START=${plan.model}`;
  const script = [
    '#!/usr/bin/env bash',
    `# RL (cell "${plan.rl!.cellId}"): veRL ${VERL_VERSION} main_ppo with vLLM rollouts on $GPUS GPUs of one node.`,
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    `GPUS=\${GPUS:-${plan.gpus}}`,
    start,
    `mkdir -p ${RL_OUT}`,
    `export VERL_FILE_LOGGER_PATH=${RL_OUT}/metrics.jsonl`,
    'python3 -m verl.trainer.main_ppo \\',
    ...overrideLines(keys),
    `  2>&1 | tee ${RL_OUT}/console.log`,
    '',
  ].join('\n');
  return { keys, script };
}
