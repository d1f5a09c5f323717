// `primer export-job NOTEBOOK.md --engine verl|trl [--cell ID] [--model HF_REPO] [--gpus N] [--out DIR]
// [--dataset FILE.jsonl]`: writes a folder that runs the notebook's prime / rl cell on veRL or TRL (src/scaleout/).
// An offline dataset cell is rebuilt from its seed; a Claude or traces dataset comes from --dataset (the JSONL
// the app's dataset cell downloads).
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseNotebook } from '../../notebook/format.ts';
import type { Cell } from '../../notebook/types.ts';
import { buildPrimingDataset } from '../../priming/build.ts';
import { parseSftJsonl } from '../../priming/export.ts';
import { buildJob } from '../../scaleout/job.ts';
import type { Settings } from '../../scaleout/mapping.ts';
import { ENGINES, planJob, type Engine, type PrimingExample } from '../../scaleout/plan.ts';
import { ByteTokenizer } from '../../engine/tokenizer.ts';
import { CELL_SPECS } from '../../notebook/cells.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { parseCommand, type CommandSpec } from '../args.ts';

export const spec = {
  summary: "writes a folder that runs a notebook's prime or rl cell on veRL or TRL",
  positional: 'NOTEBOOK.md',
  flags: {
    engine: { type: 'text', oneOf: ENGINES, required: true, help: 'the trainer the job runs on' },
    cell: { type: 'text', placeholder: 'ID', help: 'the prime or rl cell (default: the last rl cell, else prime)' },
    model: { type: 'text', placeholder: 'HF_REPO', help: "the base model's Hub repo (default: the notebook's)" },
    gpus: { type: 'number', integer: true, min: 1, max: 1024, default: 8, help: 'GPUs the job is sized for' },
    out: { type: 'text', placeholder: 'DIR', help: 'where the job goes (default: primer-jobs/NOTEBOOK-CELL-ENGINE)' },
    dataset: {
      type: 'text',
      placeholder: 'FILE.jsonl',
      help: "a Claude or traces dataset's JSONL (as the app's dataset cell downloads it)",
    },
  },
} as const satisfies CommandSpec;

function datasetReader(file: string | undefined) {
  return async (cell: Cell, params: Settings): Promise<PrimingExample[]> => {
    if (file) {
      return parseSftJsonl(await readFile(file, 'utf8'), file).map((e) => ({
        prompt: typeof e.prompt === 'string' ? e.prompt : e.prompt.map((m) => m.content).join('\n'),
        completion: e.completion,
      }));
    }
    if (params.source !== 'offline')
      throw new Error(
        `dataset cell "${cell.id}" is made by ${String(params.source)}: pass its traces as --dataset FILE.jsonl`,
      );
    // The same build as the dataset cell: lengths matched in bytes, the tokenizer of Primer's scratch models.
    const bytes = new ByteTokenizer();
    const dataset = buildPrimingDataset({
      condition: String(params.condition),
      count: Number(params.size ?? 100),
      seed: Number(params.seed ?? 1),
      countTokens: (t) => bytes.encode(t).length,
      task: taskNamed(typeof params.task === 'string' ? params.task : CELL_SPECS.dataset.fields.task.default),
    });
    return dataset.traces.map((t) => ({ prompt: t.prompt, completion: t.completion, problem: t.problem }));
  };
}

export async function run(args: string[]): Promise<void> {
  const { values: v, positional } = parseCommand('export-job', spec, args);
  const file = positional!;
  const engine: Engine = v.engine;
  const notebook = parseNotebook(await readFile(file, 'utf8'));
  const plan = await planJob(notebook, {
    engine,
    cellId: v.cell,
    model: v.model,
    gpus: v.gpus,
    datasetOf: datasetReader(v.dataset),
  });
  const out = v.out ?? join('primer-jobs', `${basename(file).replace(/\.md$/, '')}-${plan.cellId}-${engine}`);
  const job = buildJob(plan);
  for (const f of job.files) {
    const path = join(out, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.data);
    if (f.executable) await chmod(path, 0o755);
  }
  console.log(
    `wrote ${job.files.length} files to ${out} (cell "${plan.cellId}" on ${engine}; see ${join(out, 'README.md')})`,
  );
}
