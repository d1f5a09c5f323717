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
import { CELL_SPECS } from '../../notebook/cells.ts';
import { FORCE, fromField, parseCommand, type CommandSpec } from '../args.ts';
import { ADAPTER_FLAG, MODEL_FLAG } from '../modelFlags.ts';
import { clockText, outputFolder, resumeFlag, TRAINING_FLAGS, trainingModel } from '../trainOutput.ts';

/** A prime cell's declaration gives the defaults, ranges and help. */
const PRIME = CELL_SPECS.prime.fields;

export const spec = {
  summary: 'fine-tunes a model (LoRA or all weights) on TRL prompt/completion JSONL',
  flags: {
    model: MODEL_FLAG,
    data: { type: 'text', required: true, placeholder: 'FILE', help: 'TRL JSONL: prompt/completion, or messages' },
    out: { type: 'text', required: true, placeholder: 'DIR', help: 'where the trained files and checkpoints go' },
    method: fromField(PRIME.method),
    rank: fromField(PRIME.rank),
    alpha: fromField(PRIME.alpha),
    lr: fromField(PRIME.lr),
    epochs: fromField(PRIME.epochs),
    batch: fromField(PRIME.batch_size),
    'max-length': fromField(PRIME.max_length),
    warmup: fromField(PRIME.warmup),
    schedule: {
      type: 'text',
      oneOf: ['cosine', 'constant'],
      default: 'cosine',
      help: 'learning-rate schedule after warmup',
    },
    'checkpoint-every': fromField(PRIME.checkpoint_every),
    seed: fromField(PRIME.seed),
    adapter: ADAPTER_FLAG,
    ...TRAINING_FLAGS,
    force: FORCE,
  },
} as const satisfies CommandSpec;

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
  const { values: v, flags } = parseCommand('sft', spec, args);
  const { data: dataPath, method, rank, schedule } = v;
  const text = await readFile(dataPath, 'utf8').catch(() => {
    throw new Error(`--data ${dataPath}: cannot read the file`);
  });
  const examples = parseSftJsonl(text, basename(dataPath));
  const out = outputFolder(flags);
  const resume = await resumeFlag(flags);
  const options = {
    method,
    rank,
    schedule,
    alpha: v.alpha,
    lr: v.lr,
    epochs: v.epochs,
    batchSize: v.batch,
    maxLength: v['max-length'],
    warmup: v.warmup,
    microBatchTokens: v['micro-batch-tokens'],
    checkpointEvery: v['checkpoint-every'],
    checkpointing: v.checkpointing,
    seed: v.seed,
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
