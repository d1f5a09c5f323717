// `primer sft --model DIR --data FILE.jsonl --out DIR [--method lora|full] [--rank R --alpha A --lr LR
// --epochs E --batch B --max-length L --warmup F --schedule cosine|constant --micro-batch-tokens N
// --checkpoint-every N --resume CKPT --seed S --quant none|f16|f32|q4 --checkpointing --adapter DIR]`
// Supervised fine-tuning on TRL JSONL (prompt/completion, or messages rendered with the model's chat
// template). Writes adapter_model.safetensors + adapter_config.json (LoRA) or model.safetensors + config.json
// (full) into --out, and a checkpoint-STEP.bin every N steps. Prints one line per step.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Tokenizer } from '../../engine/tokenizer.ts';
import { runSft, type SftPair } from '../../engine/train/sft.ts';
import { parseSftJsonl, type SftExample } from '../../priming/export.ts';
import { checkKnownFlags, flag, integerFlag, numberFlag, parseFlags, requireFlag } from '../args.ts';
import { clockText, methodFlag, outputFolder, resumeFlag, trainingModel } from '../trainOutput.ts';

const FLAGS = [
  'model',
  'data',
  'out',
  'method',
  'rank',
  'alpha',
  'lr',
  'epochs',
  'batch',
  'max-length',
  'warmup',
  'schedule',
  'micro-batch-tokens',
  'checkpoint-every',
  'resume',
  'seed',
  'quant',
  'checkpointing',
  'adapter',
  'force',
];

/** Chat-form prompts become text through the model's own chat template, ending with the assistant's turn. */
export function sftPairs(examples: SftExample[], tokenizer: Tokenizer, file: string): SftPair[] {
  return examples.map((ex, i) => {
    if (typeof ex.prompt === 'string') return { prompt: ex.prompt, completion: ex.completion };
    if (!tokenizer.hasChatTemplate)
      throw new Error(`${file}: example ${i + 1} is in chat form but the model has no chat template`);
    return { prompt: tokenizer.applyChatTemplate(ex.prompt, true), completion: ex.completion };
  });
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  checkKnownFlags(flags, FLAGS);
  const dataPath = requireFlag(flags, 'data');
  const method = methodFlag(flags);
  const schedule = flag(flags, 'schedule') ?? 'cosine';
  if (schedule !== 'cosine' && schedule !== 'constant')
    throw new Error(`--schedule must be cosine or constant, got "${schedule}"`);
  const text = await readFile(dataPath, 'utf8').catch(() => {
    throw new Error(`--data ${dataPath}: cannot read the file`);
  });
  const examples = parseSftJsonl(text, basename(dataPath));
  const out = outputFolder(flags);
  const resume = await resumeFlag(flags);
  const rank = integerFlag(flags, 'rank', 16, 1);
  const options = {
    method,
    rank,
    schedule,
    alpha: numberFlag(flags, 'alpha', 2 * rank),
    lr: numberFlag(flags, 'lr', method === 'lora' ? 2e-4 : 1e-5),
    epochs: integerFlag(flags, 'epochs', 3, 1),
    batchSize: integerFlag(flags, 'batch', 8, 1),
    maxLength: integerFlag(flags, 'max-length', 1024, 2),
    warmup: numberFlag(flags, 'warmup', 0.1),
    microBatchTokens: integerFlag(flags, 'micro-batch-tokens', 2048, 1),
    checkpointEvery: integerFlag(flags, 'checkpoint-every', 50),
    checkpointing: flag(flags, 'checkpointing') !== undefined,
    seed: integerFlag(flags, 'seed', 0),
    resume,
  } as const;

  const { device, model } = await trainingModel(flags, method);
  const pairs = sftPairs(examples, model.tokenizer, basename(dataPath));
  await out.open();
  console.log(
    `${pairs.length} examples, ${method === 'lora' ? `LoRA r=${rank} alpha=${options.alpha}` : 'all weights'}, lr ${options.lr}`,
  );
  const outcome = await runSft(
    model,
    { ...options, examples: pairs },
    {
      onStep: (m) =>
        console.log(
          `step ${m.step}/${m.steps}  epoch ${m.epoch + 1}  loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  ` +
            `grad-norm ${m.gradNorm.toFixed(3)}  ${m.tokensPerSecond.toFixed(0)} tok/s  left ${clockText(m.secondsLeft)}`,
        ),
      onCheckpoint: out.saveCheckpoint,
    },
  );
  await out.saveFiles(outcome.files);
  model.destroy();
  device.destroy();
}
