import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { run as exportJob } from '../../src/cli/commands/export-job.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { buildJob, type Job } from '../../src/scaleout/job.ts';
import { verlRlRows } from '../../src/scaleout/layouts.ts';
import { mappingMarkdown } from '../../src/scaleout/mapping.ts';
import { planJob, type Engine } from '../../src/scaleout/plan.ts';
import { verlRl } from '../../src/scaleout/verl.ts';
import { cellProblems } from '../../src/tasks/countdown.ts';
import { countdownTask } from '../../src/tasks/countdownTask.ts';
import { countdownShortTask, shortQuestion } from '../../src/tasks/countdownShortTask.ts';
import type { Task } from '../../src/tasks/task.ts';
import type { CountdownProblem } from '../../src/tasks/types.ts';
import { python } from '../support/python.ts';
import verlKeys from '../fixtures/scaleout/verl-v0.7.0-config-keys.json';
import trlKeys from '../fixtures/scaleout/trl-v1.9.0-config-keys.json';

const TRAINER_KEYS = [...trlKeys._BaseConfig, ...trlKeys.TrainingArguments];
const KNOWN: Record<string, string[]> = {
  main_ppo: verlKeys.main_ppo,
  fsdp_sft_trainer: verlKeys.fsdp_sft_trainer,
  GRPOConfig: [...trlKeys.GRPOConfig, ...TRAINER_KEYS],
  SFTConfig: [...trlKeys.SFTConfig, ...TRAINER_KEYS],
  LoraConfig: trlKeys.LoraConfig,
};

/** The override keys written in a veRL launch script. */
function scriptKeys(script: string): string[] {
  return [...script.matchAll(/^ {2}['"]([\w.]+)=/gm)].map((m) => m[1]);
}

/** The keyword arguments of each config call in a TRL script, read by Python's own parser. */
function pythonKwargs(file: string): Record<string, string[]> {
  const code = [
    'import ast, json, sys',
    'tree = ast.parse(open(sys.argv[1]).read())',
    'calls = {}',
    'for node in ast.walk(tree):',
    '    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Config"):',
    '        calls.setdefault(node.func.id, []).extend(k.arg for k in node.keywords)',
    'print(json.dumps(calls))',
  ].join('\n');
  return JSON.parse(python(['-c', code, file])) as Record<string, string[]>;
}

function unknownKeys(config: string, keys: string[]): string[] {
  return keys.filter((key) => !KNOWN[config].includes(key));
}

// Every launch file kind: veRL prime.sh + rl.sh and TRL sft.py + grpo.py (03), a full-weights prime (00).
const EXPORTS: [string, Engine][] = [
  ['03-rl-on-countdown', 'verl'],
  ['03-rl-on-countdown', 'trl'],
  ['00-start-here-offline', 'verl'],
  ['00-start-here-offline', 'trl'],
];

async function exportTo(notebook: string, engine: Engine, extra: string[] = []): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `primer-job-${engine}-`));
  await exportJob([`notebooks/${notebook}.md`, '--engine', engine, '--out', out, '--gpus', '4', ...extra]);
  return out;
}

describe('primer export-job', () => {
  for (const [notebook, engine] of EXPORTS) {
    it(`${notebook} on ${engine}: every script compiles and every config key exists in the pinned version`, async () => {
      const out = await exportTo(notebook, engine, notebook.startsWith('00') ? ['--model', 'Qwen/Qwen2.5-0.5B'] : []);
      const files = readdirSync(out);
      expect(files).toContain('README.md');
      expect(files).toContain('countdown_reward.py');
      const manifest = JSON.parse(readFileSync(join(out, 'primer-job.json'), 'utf8')) as { keys: Job['keys'] };
      for (const file of files.filter((f) => f.endsWith('.py'))) python(['-m', 'py_compile', join(out, file)]);
      for (const file of files.filter((f) => f.endsWith('.sh'))) {
        expect(spawnSync('bash', ['-n', join(out, file)]).status).toBe(0);
        const config = file === 'rl.sh' ? 'main_ppo' : 'fsdp_sft_trainer';
        const keys = scriptKeys(readFileSync(join(out, file), 'utf8'));
        expect(keys.sort()).toEqual(Object.keys(manifest.keys[config]).sort());
        expect(unknownKeys(config, keys)).toEqual([]);
      }
      for (const file of files.filter((f) => f === 'sft.py' || f === 'grpo.py')) {
        for (const [config, keys] of Object.entries(pythonKwargs(join(out, file)))) {
          expect(keys.length).toBeGreaterThan(2);
          expect(unknownKeys(config, keys)).toEqual([]);
        }
      }
      expect(python(['countdown_reward.py', 'countdown_reward_cases.jsonl'].map((f) => join(out, f)))).toContain(
        '0 mismatches',
      );
    }, 120_000);
  }

  it('the key check catches a key the pinned version does not have', () => {
    expect(unknownKeys('main_ppo', ['algorithm.adv_estimator', 'algorithm.kl_coef'])).toEqual(['algorithm.kl_coef']);
    expect(unknownKeys('GRPOConfig', ['beta', 'max_prompt_length'])).toEqual(['max_prompt_length']);
  });

  it('names the cause when a notebook cannot be exported', { timeout: 60_000 }, async () => {
    await expect(exportTo('00-start-here-offline', 'verl')).rejects.toThrow(/--model HF_REPO/);
    await expect(exportTo('03-rl-on-countdown', 'verl', ['--cell', 'base'])).rejects.toThrow(
      /model cell; export a prime or rl/,
    );
    await expect(exportTo('03-rl-on-countdown', 'verl', ['--cell', 'nope'])).rejects.toThrow(/no cell "nope"/);
  });
});

const SILENT = `---
title: Silent cells
---

\`\`\`primer model
id: base
source: hub
name: meta-llama/Llama-3.2-3B
\`\`\`

\`\`\`primer rl
id: ppo
model: base
steps: 250
\`\`\`

\`\`\`primer rl
id: drgrpo
model: base
algorithm: dr_grpo
steps: 3
prompts: 4
group: 6
kl: 0.01
rank: 8
eval_problems: 5
\`\`\`
`;

function planOf(cellId: string, engine: Engine) {
  return planJob(parseNotebook(SILENT), { engine, cellId, gpus: 4, datasetOf: async () => [] });
}

describe('the mapping from a cell to each engine', () => {
  it('is the table docs/scale-out.md shows', () => {
    expect(readFileSync('docs/scale-out.md', 'utf8')).toContain(mappingMarkdown());
  });

  it("fills what the cell leaves out with the paper's PPO: critic, GAE, KL 0.001 in the reward, n=4, batch 256", async () => {
    const keys = verlRl(await planOf('ppo', 'verl')).keys;
    expect(keys).toMatchObject({
      'algorithm.adv_estimator': 'gae',
      'algorithm.use_kl_in_reward': true,
      'algorithm.kl_ctrl.kl_coef': 0.001,
      'actor_rollout_ref.actor.optim.lr': 1e-6,
      'critic.optim.lr': 1e-5,
      'actor_rollout_ref.rollout.n': 4,
      'actor_rollout_ref.rollout.name': 'vllm',
      'data.train_batch_size': 256,
      'data.max_response_length': 1024,
      'trainer.total_training_steps': 250,
    });
    expect(keys['actor_rollout_ref.model.lora_rank']).toBeUndefined();
  });

  it('maps Dr. GRPO and LoRA to both engines', async () => {
    const verl = verlRl(await planOf('drgrpo', 'verl')).keys;
    expect(verl).toMatchObject({
      'algorithm.adv_estimator': 'grpo',
      'algorithm.norm_adv_by_std_in_grpo': false,
      'actor_rollout_ref.actor.loss_agg_mode': 'seq-mean-token-sum-norm',
      'actor_rollout_ref.actor.use_kl_loss': true,
      'actor_rollout_ref.actor.kl_loss_coef': 0.01,
      'actor_rollout_ref.model.lora_rank': 8,
    });
    expect(verl['critic.optim.lr']).toBeUndefined();
    const trl = buildJob(await planOf('drgrpo', 'trl')).keys;
    expect(trl.GRPOConfig).toMatchObject({
      loss_type: 'dr_grpo',
      scale_rewards: 'none',
      beta: 0.01,
      num_generations: 6,
    });
    // 4 prompts × 6 completions in the paper's 2 updates per step: 12 completions per optimizer step over 4 GPUs.
    expect(trl.GRPOConfig).toMatchObject({ steps_per_generation: 2, max_steps: 6 });
    const { per_device_train_batch_size: b, gradient_accumulation_steps: g } = trl.GRPOConfig;
    expect(Number(b) * Number(g) * 4).toBe(12);
    expect(trl.LoraConfig).toMatchObject({ r: 8, target_modules: 'all-linear' });
  });
});

describe('the Parquet files, read back by parquet-wasm (arrow-rs), not the writer', () => {
  it("have veRL's RL row layout and the exported rows exactly", async () => {
    const job = buildJob(await planOf('drgrpo', 'verl'));
    const file = job.files.find((f) => f.path === 'data/rl_test.parquet')!;
    const table = tableFromIPC(parquetWasm.readParquet(file.data as Uint8Array).intoIPCStream());
    expect(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'data_source: Utf8',
      'prompt: List<Struct<{role:Utf8, content:Utf8}>>',
      'ability: Utf8',
      'reward_model: Struct<{style:Utf8, ground_truth:Struct<{target:Int64, numbers:List<Int64>}>}>',
      'extra_info: Struct<{split:Utf8, index:Int64}>',
    ]);
    const rows = JSON.parse(
      JSON.stringify(
        table.toArray().map((r) => r.toJSON()),
        (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v),
      ),
    ) as unknown;
    expect(rows).toEqual(
      verlRlRows({ task: countdownTask, template: 'base', problems: cellProblems(1, 5, 'test') }, 'test'),
    );
  });

  it("have veRL's SFT layout (prompt, response)", { timeout: 120_000 }, async () => {
    const out = await exportTo('03-rl-on-countdown', 'verl', ['--cell', 'primed']);
    const table = tableFromIPC(
      parquetWasm.readParquet(readFileSync(join(out, 'data/prime_val.parquet'))).intoIPCStream(),
    );
    expect(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['prompt: Utf8', 'response: Utf8']);
    const first = table.get(0)!.toJSON() as { prompt: string; response: string };
    expect(first.prompt).toMatch(/^A conversation between User and Assistant/);
    expect(first.response).toMatch(/<answer>.*<\/answer>$/);
    expect(table.numRows).toBe(Math.round(1000 / 6));
  });
});

describe("a job reads the cell's Task", () => {
  const SHORT = `
\`\`\`primer model
id: base
source: hub
name: Qwen/Qwen2.5-0.5B
\`\`\`

\`\`\`primer dataset
id: d
source: offline
task: countdown-short
condition: all_strategies
size: 12
\`\`\`

\`\`\`primer prime
id: primed
model: base
dataset: d
task: countdown-short
\`\`\`

\`\`\`primer rl
id: rl
model: primed
task: countdown-short
steps: 2
prompts: 3
eval_problems: 4
seed: 5
\`\`\`
`;
  const short = countdownShortTask();
  /** The dataset cell's traces, with their prompts in the paper's long Countdown prompt (as stored elsewhere). */
  const datasetOf = async () =>
    short.problems('priming', 12, 1).map((problem) => ({ prompt: 'a stored prompt', completion: 'x', problem }));
  const text = (job: Job, path: string) => job.files.find((f) => f.path === path)!.data as string;
  const lines = (job: Job, path: string) =>
    text(job, path)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('problems, prompts and data_source come from the task the rl and prime cells name', async () => {
    const job = buildJob(await planJob(parseNotebook(SHORT), { engine: 'trl', cellId: 'rl', datasetOf }));
    const train = lines(job, 'data/rl_train.jsonl');
    expect(train.map((r) => ({ numbers: r.numbers, target: r.target }))).toEqual(
      short.problems('train', 6, 5).map((p) => ({ numbers: p.numbers, target: p.target })),
    );
    expect(train[0].prompt).toBe(`${shortQuestion(short.problems('train', 1, 5)[0])}\n<think>`);
    expect(lines(job, 'data/rl_test.jsonl')).toHaveLength(4);
    // The priming prompts are the prime cell's task's, rendered from each trace's problem.
    const primed = [...lines(job, 'data/prime_train.jsonl'), ...lines(job, 'data/prime_val.jsonl')];
    expect(primed.map((r) => r.prompt)).toEqual(
      short.problems('priming', 12, 1).map((p) => `${shortQuestion(p)}\n<think>`),
    );
    const verl = buildJob(await planJob(parseNotebook(SHORT), { engine: 'verl', cellId: 'rl', datasetOf }));
    const table = tableFromIPC(
      parquetWasm
        .readParquet(verl.files.find((f) => f.path === 'data/rl_test.parquet')!.data as Uint8Array)
        .intoIPCStream(),
    );
    expect(table.toArray().map((r) => String(r.toJSON().data_source))).toEqual(Array(4).fill('countdown-short'));
  });

  it("ships the Python reward scored by the task's reward, and refuses a task whose reward it does not compute", async () => {
    const plan = await planJob(parseNotebook(SHORT), { engine: 'trl', cellId: 'rl', datasetOf });
    const cases = lines(buildJob(plan), 'countdown_reward_cases.jsonl');
    expect(cases.length).toBeGreaterThan(2000);
    for (const c of cases.slice(0, 50))
      expect(c.reward).toBe(short.reward(String(c.completion), c as unknown as CountdownProblem));
    const lenient: Task<CountdownProblem> = { ...countdownTask, name: 'lenient', reward: () => 1 };
    expect(() => buildJob({ ...plan, task: lenient })).toThrow(
      /task "lenient" rewards .* with 1, countdown_reward.py \(the paper's scorer\) with 0: the job has no Python reward/,
    );
  });
});
