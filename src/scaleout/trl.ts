// TRL v1.9.0 scripts: sft.py (SFTTrainer, with a PEFT LoraConfig when the prime cell used LoRA) and grpo.py
// (GRPOTrainer with vLLM generation, the reward from countdown_reward.py), launched by `accelerate launch`,
// with a DeepSpeed ZeRO-3 accelerate config for several nodes. Settings come through the mapping table.
import type { JsonValue } from '../store/schema.ts';
import type { Keys } from './mapping.ts';
import type { JobPlan } from './plan.ts';
import { mappedKeys, PRIME_OUT, RL_OUT } from './verl.ts';

export const TRL_VERSION = 'v1.9.0';

export interface TrlStage {
  /** SFTConfig / GRPOConfig fields, then LoraConfig fields (null without LoRA). */
  config: Keys;
  lora: Keys | null;
  script: string;
}

function pythonValue(value: JsonValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(pythonValue).join(', ')}]`;
  return JSON.stringify(value);
}

function kwargs(keys: Keys, indent = '    '): string {
  return Object.entries(keys)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${indent}${k}=${pythonValue(v as JsonValue)},`)
    .join('\n');
}

/** The mapped keys split into the trainer's config and LoraConfig ("lora." prefix). */
function split(keys: Keys): { config: Keys; lora: Keys | null } {
  const config: Keys = {};
  const lora: Keys = {};
  for (const [key, value] of Object.entries(keys)) {
    if (key.startsWith('lora.')) lora[key.slice(5)] = value;
    else config[key] = value;
  }
  const hasLora = Object.keys(lora).length > 0;
  return { config, lora: hasLora ? { ...lora, target_modules: 'all-linear', task_type: 'CAUSAL_LM' } : null };
}

const COMMON: Keys = { bf16: true, logging_steps: 1, report_to: 'none', gradient_checkpointing: true };

function loraBlock(lora: Keys | null): string {
  return lora ? `LoraConfig(\n${kwargs(lora, '    ')}\n)` : 'None';
}

export function trlSft(plan: JobPlan): TrlStage {
  const prime = plan.prime!;
  const { config: mapped, lora } = split(mappedKeys('prime', { ...prime.settings, gpus: plan.gpus }, 'trl'));
  const config: Keys = {
    output_dir: PRIME_OUT,
    ...mapped,
    lr_scheduler_type: 'cosine',
    max_grad_norm: 1.0,
    completion_only_loss: true,
    ...COMMON,
  };
  const script = `"""Priming (cell "${prime.cellId}") with TRL ${TRL_VERSION} SFTTrainer, written by Primer.

Run: accelerate launch --num_processes GPUS sft.py   (see README.md)
"""
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

MODEL = ${pythonValue(plan.model)}

data = load_dataset("json", data_files={"train": "data/prime_train.jsonl", "validation": "data/prime_val.jsonl"})
config = SFTConfig(
${kwargs(config)}
)
peft_config = ${loraBlock(lora)}

trainer = SFTTrainer(
    model=MODEL,
    args=config,
    train_dataset=data["train"],
    eval_dataset=data["validation"],
    peft_config=peft_config,
)
trainer.train()
trainer.save_model(${pythonValue(PRIME_OUT)})
`;
  return { config, lora, script };
}

function startModel(plan: JobPlan): string {
  if (!plan.prime) return `model = ${pythonValue(plan.model)}`;
  if (plan.prime.settings.method !== 'lora') return `model = ${pythonValue(PRIME_OUT)}  # the primed model`;
  return [
    '# The primed adapter is merged into the base: GRPOTrainer takes a plain model plus its own LoraConfig.',
    `base = AutoModelForCausalLM.from_pretrained(${pythonValue(plan.model)}, dtype="bfloat16")`,
    `model = PeftModel.from_pretrained(base, ${pythonValue(PRIME_OUT)}).merge_and_unload()`,
  ].join('\n');
}

export function trlGrpo(plan: JobPlan): TrlStage {
  const rl = plan.rl!;
  const { config: mapped, lora } = split(mappedKeys('rl', { ...rl.settings, gpus: plan.gpus }, 'trl'));
  const config: Keys = {
    output_dir: RL_OUT,
    ...mapped,
    use_vllm: true,
    vllm_mode: 'colocate',
    log_completions: true,
    reward_weights: [1.0, 0.0],
    per_device_eval_batch_size: rl.settings.group,
    ...COMMON,
  };
  const script = `"""RL (cell "${rl.cellId}") with TRL ${TRL_VERSION} GRPOTrainer and vLLM generation, written by Primer.

The reward is countdown_reward (the paper's 0 / 0.1 / 1); countdown_accuracy is logged beside it with weight 0.
Run: accelerate launch --num_processes GPUS grpo.py   (see README.md)
"""
from datasets import load_dataset
from peft import LoraConfig, PeftModel
from transformers import AutoModelForCausalLM
from trl import GRPOConfig, GRPOTrainer

from countdown_reward import countdown_accuracy, countdown_reward

${startModel(plan)}

data = load_dataset("json", data_files={"train": "data/rl_train.jsonl", "test": "data/rl_test.jsonl"})
config = GRPOConfig(
${kwargs(config)}
)
peft_config = ${loraBlock(lora)}

trainer = GRPOTrainer(
    model=model,
    reward_funcs=[countdown_reward, countdown_accuracy],
    args=config,
    train_dataset=data["train"],
    eval_dataset=data["test"],
    peft_config=peft_config,
)
trainer.train()
trainer.save_model(${pythonValue(RL_OUT)})
`;
  return { config, lora, script };
}

/** accelerate's config for DeepSpeed ZeRO-3 over several nodes (accelerate launch --config_file). */
export function zero3Config(plan: JobPlan): string {
  return [
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: DEEPSPEED',
    'deepspeed_config:',
    '  deepspeed_multinode_launcher: standard',
    '  offload_optimizer_device: none',
    '  offload_param_device: none',
    '  zero3_init_flag: true',
    '  zero3_save_16bit_model: true',
    '  zero_stage: 3',
    'mixed_precision: bf16',
    'machine_rank: 0  # set per node',
    'num_machines: 2  # nodes',
    `num_processes: ${plan.gpus * 2}  # GPUs over all nodes`,
    'main_process_ip: 127.0.0.1  # the first node',
    'main_process_port: 29500',
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ].join('\n');
}
