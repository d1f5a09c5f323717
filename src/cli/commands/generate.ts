// `primer generate --model DIR --prompt TEXT [--chat] [--max-tokens N] [--temperature T] [--seed S] [--batch B]
// [--top-k K] [--top-p P] [--quant none|f16|f32|q4] [--adapter DIR]`: B completions of one prompt, decoded together
// (a GRPO group: the prompt is prefilled once). The first completion streams to stdout as it is generated;
// with B > 1 each completion follows a "--- completion i of B ---" line. Counts and speed go to stderr.
// Defaults: greedy (temperature 0), 256 tokens, f32 weights; generation ends at the eos ids of config.json and
// generation_config.json.
import type { GenerateRequest } from '../../tasks/types.ts';
import { generateIds } from '../../engine/generate.ts';
import { requestGpu } from '../../engine/gpu.ts';
import { openDecoder } from '../../engine/openDecoder.ts';
import { checkKnownFlags, flag, integerFlag, numberFlag, parseFlags, requireFlag, type Flags } from '../args.ts';
import { attachPeftAdapter, modelDirFlag, quantizationFlag } from '../modelFlags.ts';

const FLAGS = [
  'model',
  'prompt',
  'chat',
  'max-tokens',
  'temperature',
  'seed',
  'batch',
  'top-k',
  'top-p',
  'quant',
  'adapter',
];

type Sampling = Omit<GenerateRequest, 'prompts'>;

function samplingFlags(flags: Flags): Sampling {
  const temperature = numberFlag(flags, 'temperature', 0);
  if (temperature < 0) throw new Error(`--temperature must be ≥ 0, got ${temperature}`);
  const topP = numberFlag(flags, 'top-p', 1);
  if (!(topP > 0 && topP <= 1)) throw new Error(`--top-p must be in (0, 1], got ${topP}`);
  return {
    maxTokens: integerFlag(flags, 'max-tokens', 256, 1),
    temperature,
    topK: integerFlag(flags, 'top-k', 0),
    topP,
    seed: integerFlag(flags, 'seed', 0),
  };
}

function header(row: number, batch: number): string {
  return batch > 1 ? `--- completion ${row + 1} of ${batch} ---\n` : '';
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  checkKnownFlags(flags, FLAGS);
  const prompt = requireFlag(flags, 'prompt');
  const chat = flag(flags, 'chat') !== undefined;
  if (chat && flag(flags, 'chat') !== 'true') throw new Error(`--chat takes no value, got "${flag(flags, 'chat')}"`);
  const sampling = samplingFlags(flags);
  const batch = integerFlag(flags, 'batch', 1, 1);
  const quantization = quantizationFlag(flags, 'none');
  const dir = await modelDirFlag(flags);
  const adapterDir = flag(flags, 'adapter');

  const { device } = await requestGpu();
  const decoder = await openDecoder(device, { source: 'path', dir, quantization });
  if (adapterDir !== undefined) console.error(await attachPeftAdapter(decoder, adapterDir));
  const { tokenizer } = decoder;
  const text = chat ? tokenizer.applyChatTemplate([{ role: 'user', content: prompt }]) : prompt;
  const ids = tokenizer.encodePrompt(text);
  if (ids.length === 0) throw new Error('--prompt is empty once tokenized');

  const t0 = performance.now();
  process.stdout.write(header(0, batch));
  const generations = await generateIds(
    decoder,
    Array.from({ length: batch }, () => ids),
    {
      ...sampling,
      onText: (row, delta) => row === 0 && process.stdout.write(delta),
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  generations.forEach((g, row) => {
    process.stdout.write(row === 0 ? '\n' : `${header(row, batch)}${g.text}\n`);
    console.error(`completion ${row + 1}: ${g.tokens} tokens, finish ${g.finish}`);
  });
  const total = generations.reduce((n, g) => n + g.tokens, 0);
  console.error(
    `prompt ${ids.length} tokens; ${total} tokens generated in ${seconds.toFixed(2)} s (${(total / seconds).toFixed(1)} tok/s)`,
  );
  decoder.destroy();
  device.destroy();
}
