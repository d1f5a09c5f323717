// A veRL generations dump of a given size, written line by line (never built as one string).
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildPrimingDataset } from '../../src/priming/build.ts';

export async function writeBigDump(dir: string, megabytes: number): Promise<number> {
  const traces = buildPrimingDataset({ condition: 'all_strategies', count: 64, seed: 3 }).traces;
  mkdirSync(join(dir, 'generations'), { recursive: true });
  const out = createWriteStream(join(dir, 'generations', '0.jsonl'));
  let bytes = 0;
  for (let i = 0; bytes < megabytes * 2 ** 20; i++) {
    const t = traces[i % traces.length];
    const line =
      JSON.stringify({
        input: t.prompt,
        output: t.completion,
        gts: { target: t.problem.target, numbers: t.problem.numbers },
        score: 1,
        step: 10 * Math.floor(i / 5000),
      }) + '\n';
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return bytes;
}
