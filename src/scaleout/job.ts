// A job folder, file by file: the data in the engine's layout, countdown_reward.py with the cases it was
// checked against, the engine's launch files, primer-job.json (what was exported, so `primer import-run`
// can label the results) and README.md. The CLI writes the files to a folder; the app zips them.
import type { JsonObject } from '../store/schema.ts';
import rewardPy from './python/countdown_reward.py?raw';
import {
  trlGrpoJsonl,
  trlSftJsonl,
  verlRlRows,
  verlSftRows,
  VERL_RL_SCHEMA,
  VERL_SFT_SCHEMA,
  type RlRows,
} from './layouts.ts';
import type { Keys } from './mapping.ts';
import { writeParquet } from './parquet.ts';
import type { JobPlan, RlData } from './plan.ts';
import { jobReadme } from './readme.ts';
import { rewardCases, rewardCasesJsonl } from './rewardCases.ts';
import { trlGrpo, trlSft, zero3Config, TRL_VERSION } from './trl.ts';
import { verlPrime, verlRl, VERL_VERSION } from './verl.ts';

export interface JobFile {
  path: string;
  data: string | Uint8Array;
  /** Shell scripts are written executable. */
  executable?: boolean;
}

export const MANIFEST = 'primer-job.json';

/** The config keys a job sets, by the config they belong to (checked against the engines' own in tests). */
export type JobKeys = Record<string, Keys>;

function rlRows(data: RlData, split: 'train' | 'test'): RlRows {
  return { task: data.task, template: data.template, problems: data[split]() };
}

function dataFiles(plan: JobPlan): JobFile[] {
  const files: JobFile[] = [];
  const { prime, rl } = plan;
  if (plan.engine === 'verl') {
    if (prime) {
      files.push({
        path: 'data/prime_train.parquet',
        data: writeParquet(VERL_SFT_SCHEMA, verlSftRows(prime.data.train)),
      });
      files.push({ path: 'data/prime_val.parquet', data: writeParquet(VERL_SFT_SCHEMA, verlSftRows(prime.data.val)) });
    }
    if (rl) {
      const rows = (split: 'train' | 'test') => writeParquet(VERL_RL_SCHEMA, verlRlRows(rlRows(rl.data, split), split));
      files.push({ path: 'data/rl_train.parquet', data: rows('train') });
      files.push({ path: 'data/rl_test.parquet', data: rows('test') });
    }
    return files;
  }
  if (prime) {
    files.push({ path: 'data/prime_train.jsonl', data: trlSftJsonl(prime.data.train) });
    files.push({ path: 'data/prime_val.jsonl', data: trlSftJsonl(prime.data.val) });
  }
  if (rl) {
    files.push({ path: 'data/rl_train.jsonl', data: trlGrpoJsonl(rlRows(rl.data, 'train')) });
    files.push({ path: 'data/rl_test.jsonl', data: trlGrpoJsonl(rlRows(rl.data, 'test')) });
  }
  return files;
}

function launchFiles(plan: JobPlan): { files: JobFile[]; keys: JobKeys } {
  const files: JobFile[] = [];
  const keys: JobKeys = {};
  if (plan.engine === 'verl') {
    if (plan.prime) {
      const stage = verlPrime(plan);
      files.push({ path: 'prime.sh', data: stage.script, executable: true });
      keys.fsdp_sft_trainer = stage.keys;
    }
    if (plan.rl) {
      const stage = verlRl(plan);
      files.push({ path: 'rl.sh', data: stage.script, executable: true });
      keys.main_ppo = stage.keys;
    }
    return { files, keys };
  }
  if (plan.prime) {
    const stage = trlSft(plan);
    files.push({ path: 'sft.py', data: stage.script });
    keys.SFTConfig = stage.config;
    if (stage.lora) keys.LoraConfig = stage.lora;
  }
  if (plan.rl) {
    const stage = trlGrpo(plan);
    files.push({ path: 'grpo.py', data: stage.script });
    keys.GRPOConfig = stage.config;
    if (stage.lora) keys.LoraConfig = { ...keys.LoraConfig, ...stage.lora };
  }
  files.push({ path: 'accelerate_zero3.yaml', data: zero3Config(plan) });
  return { files, keys };
}

function manifest(plan: JobPlan, keys: JobKeys): JsonObject {
  const stage = (s: JobPlan['prime'] | JobPlan['rl']) =>
    s ? { cell: s.cellId, settings: s.settings, fromPaper: s.fromPaper } : null;
  return {
    engine: plan.engine,
    version: plan.engine === 'verl' ? VERL_VERSION : TRL_VERSION,
    notebook: plan.notebookTitle,
    cell: plan.cellId,
    model: plan.model,
    gpus: plan.gpus,
    prime: stage(plan.prime),
    rl: stage(plan.rl),
    keys: JSON.parse(JSON.stringify(keys)),
  };
}

export interface Job {
  files: JobFile[];
  keys: JobKeys;
}

/**
 * countdown_reward.py and its cases, for a task whose reward it computes: the cases are scored by the task's own
 * reward, and a task that scores any of them differently from the paper's scorer is refused.
 */
function rewardFiles({ task }: JobPlan): JobFile[] {
  const cases = rewardCases();
  const differs = cases.find((c) => task.reward(c.completion, c) !== c.reward);
  if (differs)
    throw new Error(
      `task "${task.name}" rewards ${JSON.stringify(differs.completion)} with ${task.reward(differs.completion, differs)}, countdown_reward.py (the paper's scorer) with ${differs.reward}: the job has no Python reward for this task`,
    );
  return [
    { path: 'countdown_reward.py', data: rewardPy },
    { path: 'countdown_reward_cases.jsonl', data: rewardCasesJsonl(cases) },
  ];
}

export function buildJob(plan: JobPlan): Job {
  const launch = launchFiles(plan);
  const files: JobFile[] = [
    ...dataFiles(plan),
    ...rewardFiles(plan),
    ...launch.files,
    { path: MANIFEST, data: JSON.stringify(manifest(plan, launch.keys), null, 2) + '\n' },
    { path: 'README.md', data: jobReadme(plan) },
  ];
  return { files, keys: launch.keys };
}
