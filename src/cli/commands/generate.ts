// `primer generate --model DIR --prompt TEXT [--chat] [--max-tokens N] [--temperature T] [--seed S] [--batch B]
// [--top-k K] [--top-p P] [--quant none|f16|f32|q4] [--adapter DIR]`: B completions of one prompt, decoded together
// (a GRPO group: the prompt is prefilled once). The first completion streams to stdout as it is generated;
// with B > 1 each completion follows a "--- completion i of B ---" line. Counts and speed go to stderr.
// Defaults (temperature, top-p, tokens, seed) are a sample cell's (notebook/cells.ts); --temperature 0 is greedy.
// The checkpoint's own precision; generation ends at the eos ids of config.json and generation_config.json.
import type { GenerateRequest } from '../../tasks/types.ts';
import { generateIds } from '../../engine/generate.ts';
import { requestGpu } from '../../engine/gpu.ts';
import { openDecoder } from '../../engine/openDecoder.ts';
import { CELL_SPECS } from '../../notebook/cells.ts';
import { fromField, parseCommand, type CommandSpec } from '../args.ts';
import { ADAPTER_FLAG, attachPeftAdapter, MODEL_FLAG, modelDirFlag, quantFlag } from '../modelFlags.ts';

/** A sample cell's declaration gives the sampling defaults, ranges and help. */
const SAMPLE = CELL_SPECS.sample.fields;

export const spec = {
  summary: 'completes one prompt, streaming the first completion to standard output',
  flags: {
    model: MODEL_FLAG,
    prompt: { type: 'text', required: true, help: 'the prompt text' },
    chat: { type: 'switch', help: "wrap the prompt in the model's chat template as a user turn" },
    'max-tokens': fromField(SAMPLE.max_tokens),
    temperature: fromField(SAMPLE.temperature),
    'top-p': fromField(SAMPLE.top_p),
    'top-k': {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'sample from the k likeliest tokens (0 = all)',
    },
    seed: fromField(SAMPLE.seed),
    batch: { type: 'number', integer: true, min: 1, max: 1024, default: 1, help: 'completions decoded together' },
    quant: quantFlag('none'),
    adapter: ADAPTER_FLAG,
  },
} as const satisfies CommandSpec;

type Sampling = Omit<GenerateRequest, 'prompts'>;

function header(row: number, batch: number): string {
  return batch > 1 ? `--- completion ${row + 1} of ${batch} ---\n` : '';
}

export async function run(args: string[]): Promise<void> {
  const { values: v, flags } = parseCommand('generate', spec, args);
  const { prompt, chat, batch, quant: quantization, adapter: adapterDir } = v;
  const sampling: Sampling = {
    maxTokens: v['max-tokens'],
    temperature: v.temperature,
    topK: v['top-k'],
    topP: v['top-p'],
    seed: v.seed,
  };
  const dir = await modelDirFlag(flags);

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
