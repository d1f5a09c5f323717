// The one table between a Primer cell and the cluster trainers: each prime/rl cell field, the paper's value
// where the cell is silent (Gandhi et al. 2025, §3), and the veRL override keys
// and TRL config fields it becomes. verl.ts and trl.ts write their files from these rows only, and
// docs/scale-out.md prints them (mappingMarkdown), with what has no equivalent.
import type { JsonValue } from '../store/schema.ts';

export type Value = string | number | boolean | null;
export type Settings = Record<string, Value>;
export type Keys = Record<string, JsonValue | undefined>;
export type TrainKind = 'prime' | 'rl';

export interface MappingRow {
  kind: TrainKind;
  field: string;
  /** The paper's setting, used where the cell does not say. */
  paper: Value;
  /** veRL: fsdp_sft_trainer keys for prime rows, main_ppo override keys for rl rows. */
  verl: (value: Value, s: Settings) => Keys;
  /** TRL: SFTConfig / GRPOConfig (TrainingArguments) fields, or LoraConfig fields prefixed "lora.". */
  trl: (value: Value, s: Settings) => Keys;
  /** How it maps where that is not one name for another, and what has no equivalent. */
  note?: string;
}

const none = (): Keys => ({});
const one =
  (key: string) =>
  (value: Value): Keys => ({ [key]: value });
const isLora = (s: Settings): boolean => s.method === 'lora' || (s.kind === 'rl' && s.rank !== null);
const ppo = (s: Settings): boolean => s.algorithm === 'ppo';
const ACTOR = 'actor_rollout_ref.actor';
const ROLLOUT = 'actor_rollout_ref.rollout';

export const MAPPING: MappingRow[] = [
  {
    kind: 'prime',
    field: 'method',
    paper: 'full',
    verl: (v, s) => ({ 'model.lora_rank': v === 'lora' ? s.rank : 0 }),
    trl: none,
    note: 'full fine-tunes every weight, as the paper; lora adds a PEFT LoraConfig on all linear layers',
  },
  {
    kind: 'prime',
    field: 'rank',
    paper: 16,
    verl: none,
    trl: (v, s) => (isLora(s) ? { 'lora.r': v } : {}),
    note: 'only with method: lora (veRL takes it as model.lora_rank above)',
  },
  {
    kind: 'prime',
    field: 'alpha',
    paper: 32,
    verl: (v, s) => (isLora(s) ? { 'model.lora_alpha': v } : {}),
    trl: (v, s) => (isLora(s) ? { 'lora.lora_alpha': v } : {}),
  },
  { kind: 'prime', field: 'epochs', paper: 5, verl: one('trainer.total_epochs'), trl: one('num_train_epochs') },
  { kind: 'prime', field: 'lr', paper: 1e-5, verl: one('optim.lr'), trl: one('learning_rate') },
  {
    kind: 'prime',
    field: 'batch_size',
    paper: 64,
    verl: one('data.train_batch_size'),
    trl: (v, s) => batchOver(Number(v), Number(s.gpus), 8),
    note: 'TRL: per-device batch × gradient accumulation × GPUs',
  },
  { kind: 'prime', field: 'max_length', paper: 2048, verl: one('data.max_length'), trl: one('max_length') },
  {
    kind: 'prime',
    field: 'warmup',
    paper: 0.1,
    verl: one('optim.lr_warmup_steps_ratio'),
    trl: one('warmup_ratio'),
    note: "cosine schedule after it in both, as veRL's default",
  },
  {
    kind: 'prime',
    field: 'beta2',
    paper: 0.95,
    verl: (v) => ({ 'optim.betas': [0.9, v] }),
    trl: one('adam_beta2'),
  },
  { kind: 'prime', field: 'weight_decay', paper: 0.01, verl: one('optim.weight_decay'), trl: one('weight_decay') },
  { kind: 'prime', field: 'checkpoint_every', paper: 60, verl: one('trainer.save_freq'), trl: one('save_steps') },
  { kind: 'prime', field: 'seed', paper: 1, verl: one('trainer.seed'), trl: one('seed') },
  {
    kind: 'rl',
    field: 'algorithm',
    paper: 'ppo',
    verl: (v) =>
      v === 'ppo'
        ? { 'algorithm.adv_estimator': 'gae', 'algorithm.gamma': 1.0, 'algorithm.lam': 1.0, 'critic.optim.lr': 1e-5 }
        : {
            'algorithm.adv_estimator': 'grpo',
            'algorithm.norm_adv_by_std_in_grpo': v !== 'dr_grpo',
            [`${ACTOR}.loss_agg_mode`]: v === 'dr_grpo' ? 'seq-mean-token-sum-norm' : 'token-mean',
          },
    trl: (v) =>
      v === 'dr_grpo' ? { loss_type: 'dr_grpo', scale_rewards: 'none' } : { loss_type: 'grpo', scale_rewards: 'group' },
    note: 'ppo (the paper: critic with GAE γ=λ=1, critic lr 1e-5) exists in veRL only; TRL runs GRPO when the cell is silent',
  },
  {
    kind: 'rl',
    field: 'steps',
    paper: 250,
    verl: one('trainer.total_training_steps'),
    trl: (v, s) => ({ max_steps: Number(v) * Number(s.mini_batches) }),
    note: 'the paper analysed 250 steps; TRL counts optimizer steps, so steps × mini_batches',
  },
  {
    kind: 'rl',
    field: 'prompts',
    paper: 256,
    verl: one('data.train_batch_size'),
    trl: (v, s) => batchOver((Number(v) * Number(s.group)) / Number(s.mini_batches), Number(s.gpus), Number(s.group)),
    note: 'TRL counts completions per optimizer step: prompts × group / mini_batches',
  },
  {
    kind: 'rl',
    field: 'group',
    paper: 4,
    verl: one(`${ROLLOUT}.n`),
    trl: one('num_generations'),
    note: 'PPO in the paper sampled 4 per prompt too',
  },
  {
    kind: 'rl',
    field: 'mini_batches',
    paper: 2,
    verl: (v, s) => ({ [`${ACTOR}.ppo_mini_batch_size`]: Math.max(1, Math.floor(Number(s.prompts) / Number(v))) }),
    trl: one('steps_per_generation'),
    note: "updates per step: veRL's mini-batch is prompts / mini_batches",
  },
  {
    kind: 'rl',
    field: 'lr',
    paper: 1e-6,
    verl: one(`${ACTOR}.optim.lr`),
    trl: one('learning_rate'),
  },
  {
    kind: 'rl',
    field: 'kl',
    paper: 0.001,
    verl: (v, s) =>
      ppo(s)
        ? { 'algorithm.use_kl_in_reward': true, 'algorithm.kl_penalty': 'kl', 'algorithm.kl_ctrl.kl_coef': v }
        : {
            [`${ACTOR}.use_kl_loss`]: Number(v) > 0,
            [`${ACTOR}.kl_loss_coef`]: v,
            [`${ACTOR}.kl_loss_type`]: 'low_var_kl',
          },
    trl: one('beta'),
    note: 'PPO: subtracted from the reward, as the paper; GRPO: a loss term',
  },
  {
    kind: 'rl',
    field: 'beta2',
    paper: 0.999,
    verl: (v) => ({ [`${ACTOR}.optim.betas`]: [0.9, v] }),
    trl: one('adam_beta2'),
    note: "the paper's RL kept veRL's AdamW default",
  },
  {
    kind: 'rl',
    field: 'weight_decay',
    paper: 0.01,
    verl: one(`${ACTOR}.optim.weight_decay`),
    trl: one('weight_decay'),
  },
  { kind: 'rl', field: 'clip', paper: 0.2, verl: one(`${ACTOR}.clip_ratio`), trl: one('epsilon') },
  {
    kind: 'rl',
    field: 'temperature',
    paper: 1.0,
    verl: one(`${ROLLOUT}.temperature`),
    trl: one('temperature'),
  },
  {
    kind: 'rl',
    field: 'max_tokens',
    paper: 1024,
    verl: one('data.max_response_length'),
    trl: one('max_completion_length'),
  },
  {
    kind: 'rl',
    field: 'rank',
    paper: null,
    verl: (v) =>
      v === null ? {} : { 'actor_rollout_ref.model.lora_rank': v, 'actor_rollout_ref.model.lora_alpha': 32 },
    trl: (v) => (v === null ? {} : { 'lora.r': v, 'lora.lora_alpha': 32 }),
    note: 'LoRA when the cell says rank or continues a LoRA prime cell; otherwise every weight, as the paper',
  },
  {
    kind: 'rl',
    field: 'eval_every',
    paper: 10,
    verl: one('trainer.test_freq'),
    trl: (v) => ({ eval_strategy: 'steps', eval_steps: v }),
  },
  {
    kind: 'rl',
    field: 'eval_problems',
    paper: 1024,
    verl: none,
    trl: none,
    note: 'the size of the test split written to the data folder',
  },
  { kind: 'rl', field: 'checkpoint_every', paper: 10, verl: one('trainer.save_freq'), trl: one('save_steps') },
  { kind: 'rl', field: 'seed', paper: 1, verl: one('data.seed'), trl: one('seed') },
];

/** Cell fields with no counterpart on either engine. */
export const NO_EQUIVALENT: Record<string, string> = {
  'prime.model / rl.model': 'becomes --model (a Hugging Face repo); a scratch model has none, so --model is required',
  'prime.dataset': 'its traces are written to the data folder',
  'rl.template':
    "base: the paper's plain text reaches the model unchanged (veRL: a custom_chat_template that only joins the turns; TRL: a plain-text prompt); chat: messages through the model's own template",
  'prime on veRL':
    "veRL v0.7.0's SFT trainer always wraps the priming prompt in the model's chat template; the paper's fork and TRL's sft.py train on the plain text",
  behaviors:
    'neither engine counts them: Primer annotates the generations it imports (a sample per step) with its rule annotator',
};

/** The per-device batch and gradient accumulation that give `total` sequences over `gpus` GPUs. */
export function batchOver(total: number, gpus: number, perDeviceMax: number): Keys {
  let perDevice = Math.min(perDeviceMax, Math.max(1, Math.floor(total / gpus)));
  while (perDevice > 1 && total % (perDevice * gpus) !== 0) perDevice--;
  return {
    per_device_train_batch_size: perDevice,
    gradient_accumulation_steps: Math.max(1, Math.round(total / (perDevice * gpus))),
  };
}

export function rowsOf(kind: TrainKind): MappingRow[] {
  return MAPPING.filter((row) => row.kind === kind);
}

/** Settings that exercise every branch of the rows: the paper's, GRPO with LoRA, Dr. GRPO with a KL loss. */
function scenarios(kind: TrainKind): Settings[] {
  const paper: Settings = { kind, gpus: 8 };
  for (const row of rowsOf(kind)) paper[row.field] = row.paper;
  return [
    paper,
    { ...paper, method: 'lora', algorithm: 'grpo', rank: 16 },
    { ...paper, algorithm: 'dr_grpo', rank: 16, kl: 0.01 },
  ];
}

function keysOf(row: MappingRow, engine: 'verl' | 'trl'): string[] {
  const keys = scenarios(row.kind).flatMap((s) => Object.keys(row[engine](s[row.field], s)));
  return [...new Set(keys)];
}

/** The table docs/scale-out.md shows (a test keeps the two the same). */
export function mappingMarkdown(): string {
  const code = (keys: string[]) => (keys.length ? keys.map((k) => `\`${k}\``).join('<br>') : '—');
  const rows = MAPPING.map(
    (row) =>
      `| ${row.kind}.${row.field} | ${row.paper === null ? 'none' : String(row.paper)} | ${code(keysOf(row, 'verl'))} | ${code(keysOf(row, 'trl'))} | ${row.note ?? ''} |`,
  );
  const missing = Object.entries(NO_EQUIVALENT).map(([field, why]) => `| ${field} | | — | — | ${why} |`);
  return [
    '| Primer cell field | the paper, where the cell is silent | veRL v0.7.0 | TRL v1.9.0 | notes |',
    '|---|---|---|---|---|',
    ...rows,
    ...missing,
  ].join('\n');
}
