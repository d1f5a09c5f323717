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
import { taskNamed } from '../../tasks/registry.ts';
import { checkKnownFlags, flag, integerFlag, parseFlags, requireFlag } from '../args.ts';

const USAGE =
  'usage: primer export-job NOTEBOOK.md --engine verl|trl [--cell ID] [--model HF_REPO] [--gpus N] [--out DIR] [--dataset FILE.jsonl]';

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
      task: taskNamed(typeof params.task === 'string' ? params.task : 'countdown'),
    });
    return dataset.traces.map((t) => ({ prompt: t.prompt, completion: t.completion, problem: t.problem }));
  };
}

export async function run(args: string[]): Promise<void> {
  const [file, ...rest] = args;
  if (!file || file.startsWith('--')) throw new Error(USAGE);
  const flags = parseFlags(rest);
  checkKnownFlags(flags, ['engine', 'cell', 'model', 'gpus', 'out', 'dataset']);
  const engine = requireFlag(flags, 'engine') as Engine;
  if (!ENGINES.includes(engine)) throw new Error(`--engine must be verl or trl, got "${engine}"`);
  const notebook = parseNotebook(await readFile(file, 'utf8'));
  const plan = await planJob(notebook, {
    engine,
    cellId: flag(flags, 'cell'),
    model: flag(flags, 'model'),
    gpus: integerFlag(flags, 'gpus', 8, 1),
    datasetOf: datasetReader(flag(flags, 'dataset')),
  });
  const out =
    flag(flags, 'out') ?? join('primer-jobs', `${basename(file).replace(/\.md$/, '')}-${plan.cellId}-${engine}`);
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
