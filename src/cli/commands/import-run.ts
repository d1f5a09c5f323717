// `primer import-run DIR [--out DIR] [--sample N]`: reads what veRL or TRL wrote (metrics, generations, the
// exported primer-job.json) and writes the run's curve (run.json), its annotated sample of generations
// (traces.jsonl) and its charts (SVG). Files are read in slices, so a generations dump of any size fits.
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { accuracyChart, behaviorChart } from '../../charts/runCharts.ts';
import { chartToSvg } from '../../charts/svg.ts';
import type { RunFile } from '../../scaleout/import/folder.ts';
import { importRun } from '../../scaleout/import/importRun.ts';
import { parseCommand, type CommandSpec } from '../args.ts';

export const spec = {
  summary:
    "reads what veRL or TRL wrote and writes the run's curve, an annotated sample of its generations and its charts",
  positional: 'DIR',
  flags: {
    out: {
      type: 'text',
      placeholder: 'DIR',
      help: 'where run.json, traces.jsonl and the charts go (default: DIR/primer-import)',
    },
    sample: { type: 'number', integer: true, min: 0, default: 16, help: 'generations kept and annotated per step' },
  },
} as const satisfies CommandSpec;

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/** The folder's files, each read by byte range from disk. */
export async function nodeRunFiles(dir: string): Promise<RunFile[]> {
  const files: RunFile[] = [];
  for await (const path of walk(dir)) {
    files.push({
      path: relative(dir, path).split(sep).join('/'),
      size: (await stat(path)).size,
      slice: async (start, end) => {
        const handle = await open(path, 'r');
        try {
          const buffer = new Uint8Array(end - start);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      },
    });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export async function run(args: string[]): Promise<void> {
  const { values: v, positional } = parseCommand('import-run', spec, args);
  const dir = positional!;
  const out = v.out ?? join(dir, 'primer-import');
  await mkdir(out, { recursive: true });
  const traces = createWriteStream(join(out, 'traces.jsonl'));
  const files = (await nodeRunFiles(dir)).filter((f) => !join(dir, f.path).startsWith(out));
  const result = await importRun(files, {
    samplePerStep: v.sample,
    onTraces: async (batch) => {
      if (!traces.write(batch.map((t) => JSON.stringify(t) + '\n').join('')))
        await new Promise<void>((resolve) => traces.once('drain', () => resolve()));
    },
  });
  await new Promise<void>((resolve) => traces.end(() => resolve()));
  await writeFile(join(out, 'run.json'), JSON.stringify(result, null, 2));
  const curve = { label: result.label, steps: result.curve };
  await writeFile(join(out, 'accuracy.svg'), chartToSvg(accuracyChart([curve])));
  if (result.curve.some((m) => m.behaviors)) {
    const annotated = { ...curve, steps: result.curve.filter((m) => m.behaviors) };
    await writeFile(join(out, 'behaviors.svg'), chartToSvg(behaviorChart(annotated)));
  }
  const peak = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    `imported ${result.label}: ${result.curve.length} steps, ${result.generations} generations (${result.stored} annotated) into ${out}; peak memory ${peak} MB`,
  );
}
