// `primer annotate --judge rules --numbers 3,5,7 --target 22 < completion.txt` prints
// {counts, spans} for one completion; `--jsonl FILE [--out FILE]` annotates a file of traces (one JSON
// object per line, in our, TRL's or veRL's field names) and writes each line back with an `annotation`.
import { readFileSync, writeFileSync } from 'node:fs';
import { annotateSpans, RULES_ANNOTATOR_NAME } from '../../behaviors/rules.ts';
import { parseNumberList } from '../../tasks/countdown.ts';
import { traceFromRecord } from '../../tasks/records.ts';
import { flag, numberFlag, parseFlags, readStdin, requireFlag, type Flags } from '../args.ts';
import { checkOutputFile } from '../outputs.ts';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function annotateFile(path: string): string {
  const out: string[] = [];
  readText(path)
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${path} line ${i + 1}`;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new Error(`${where}: not valid JSON`);
      }
      const { problem, completion } = traceFromRecord(row, where);
      out.push(JSON.stringify({ ...(row as object), annotation: annotateSpans(problem, completion) }));
    });
  return out.map((l) => `${l}\n`).join('');
}

async function annotateStdin(flags: Flags): Promise<string> {
  const problem = { numbers: parseNumberList(requireFlag(flags, 'numbers')), target: numberFlag(flags, 'target', NaN) };
  if (Number.isNaN(problem.target)) throw new Error('missing --target');
  const { counts, spans } = annotateSpans(problem, await readStdin());
  return `${JSON.stringify({ counts, spans })}\n`;
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const judge = flag(flags, 'judge') ?? RULES_ANNOTATOR_NAME;
  if (judge !== RULES_ANNOTATOR_NAME) throw new Error(`unknown judge "${judge}" (known: ${RULES_ANNOTATOR_NAME})`);
  const file = flag(flags, 'jsonl');
  const outPath = flag(flags, 'out');
  if (outPath) checkOutputFile(flags, outPath, [['--jsonl', file]]);
  const text = file ? annotateFile(file) : await annotateStdin(flags);
  if (outPath) writeFileSync(outPath, text);
  else process.stdout.write(text);
}
