// `primer annotate --judge rules --numbers 3,5,7 --target 22 < completion.txt` prints
// {counts, spans} for one completion; `--jsonl FILE [--out FILE]` annotates a file of traces (one JSON
// object per line, in our, TRL's or veRL's field names) and writes each line back with an `annotation`.
import { readFileSync, writeFileSync } from 'node:fs';
import { annotateSpans, RULES_ANNOTATOR_NAME } from '../../behaviors/rules.ts';
import { parseNumberList } from '../../tasks/countdown.ts';
import { traceFromRecord } from '../../tasks/records.ts';
import { FORCE, parseCommand, readStdin, type CommandSpec, type FlagValues } from '../args.ts';
import { checkOutputFile } from '../outputs.ts';

export const spec = {
  summary: 'finds the four behaviors in one completion (standard input) or in every trace of a JSONL file',
  flags: {
    judge: { type: 'text', oneOf: [RULES_ANNOTATOR_NAME], default: RULES_ANNOTATOR_NAME, help: 'who annotates' },
    jsonl: {
      type: 'text',
      placeholder: 'FILE',
      help: "a file of traces, one JSON object a line (Primer's, TRL's or veRL's field names)",
    },
    out: { type: 'text', placeholder: 'FILE', help: 'where to write the annotated lines (default: standard output)' },
    numbers: { type: 'text', placeholder: 'LIST', help: "without --jsonl: the problem's numbers, e.g. 3,5,7" },
    target: { type: 'number', integer: true, min: 0, help: "without --jsonl: the problem's target" },
    force: FORCE,
  },
} as const satisfies CommandSpec;

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

async function annotateStdin(v: FlagValues<typeof spec>): Promise<string> {
  if (v.numbers === undefined) throw new Error('missing --numbers (or --jsonl FILE)');
  if (v.target === undefined) throw new Error('missing --target');
  const problem = { numbers: parseNumberList(v.numbers), target: v.target };
  const { counts, spans } = annotateSpans(problem, await readStdin());
  return `${JSON.stringify({ counts, spans })}\n`;
}

export async function run(args: string[]): Promise<void> {
  const { values: v, flags } = parseCommand('annotate', spec, args);
  const file = v.jsonl;
  const outPath = v.out;
  if (outPath) checkOutputFile(flags, outPath, [['--jsonl', file]]);
  const text = file ? annotateFile(file) : await annotateStdin(v);
  if (outPath) writeFileSync(outPath, text);
  else process.stdout.write(text);
}
