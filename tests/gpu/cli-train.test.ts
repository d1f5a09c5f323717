// `primer sft` and `primer grpo` run as a user runs them (node bin/primer.js ...) on a tiny generated model with
// a byte-level BPE tokenizer.json (259 tokens, a ChatML chat template), so training stays fast on SwiftShader.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuLoraAdapter } from '../../src/engine/lora/gpuAdapter.ts';
import { importPeftAdapter, readSafetensorsF32 } from '../../src/engine/lora/peft.ts';
import { openDecoder } from '../../src/engine/openDecoder.ts';
import { testGpu } from '../support/gpu.ts';
import { writeTinyModel } from '../support/tinyModel.ts';

function primer(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/primer.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cause main prints (Dawn writes its own warnings to stderr too). */
function cause(args: string[]): string {
  const r = primer(args);
  expect(r.code).toBe(1);
  return r.stderr.split('\n').find((line) => line.startsWith('primer: ')) ?? r.stderr;
}

/** GPT-2's byte-to-character table: every byte is one vocabulary entry, id = byte value; no merges. */
function byteLevelTokenizer(): { tokenizer: object; config: object } {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  const vocab = Object.fromEntries(
    Array.from({ length: 256 }, (_, b) => [String.fromCodePoint(printable(b) ? b : 256 + extra++), b]),
  );
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    tokenizer: {
      version: '1.0',
      truncation: null,
      padding: null,
      normalizer: null,
      post_processor: null,
      added_tokens: specials.map((content, i) => ({
        id: 256 + i,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      pre_tokenizer: byteLevel,
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges: [],
      },
    },
    config: {
      eos_token: '<|im_end|>',
      chat_template:
        "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    },
  };
}

const root = mkdtempSync(join(tmpdir(), 'primer-train-cli-'));
const modelDir = join(root, 'model');
const data = join(root, 'data.jsonl');
const sftOut = join(root, 'sft');

beforeAll(async () => {
  await writeTinyModel(modelDir, {
    arch: 'qwen2',
    layout: 'hf',
    seed: 8,
    vocabSize: 259,
    hiddenSize: 32,
    intermediateSize: 64,
    tied: true,
  });
  // Countdown's base prompt is about 560 bytes: give the model room for it.
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 1024 }));
  const { tokenizer, config: tokenizerConfig } = byteLevelTokenizer();
  writeFileSync(join(modelDir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(modelDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const rows = [
    { prompt: '3+5=', completion: '8' },
    { prompt: '7*2=', completion: '14' },
    {
      messages: [
        { role: 'user', content: '9-4?' },
        { role: 'assistant', content: '5' },
      ],
    },
    { prompt: '6/3=', completion: '2' },
    { prompt: '8+8=', completion: '16' },
    { prompt: [{ role: 'user', content: '5*5?' }], completion: [{ role: 'assistant', content: '25' }] },
  ];
  writeFileSync(data, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
});

const SFT = [
  'sft',
  '--model',
  modelDir,
  '--data',
  data,
  '--rank',
  '4',
  '--alpha',
  '8',
  '--lr',
  '1e-2',
  '--epochs',
  '2',
  '--batch',
  '3',
  '--checkpoint-every',
  '2',
];

function adapterTensors(dir: string): Map<string, Float32Array> {
  const { tensors } = readSafetensorsF32(readFileSync(join(dir, 'adapter_model.safetensors')), dir);
  return new Map([...tensors].map(([name, t]) => [name, t.data]));
}

describe('primer sft', () => {
  it('trains a LoRA adapter, printing each step, and writes PEFT files and checkpoints', async () => {
    const r = primer([...SFT, '--out', sftOut]);
    expect(r.code, r.stderr).toBe(0);
    const steps = r.stdout.split('\n').filter((line) => line.startsWith('step '));
    expect(steps).toHaveLength(4);
    expect(steps[0]).toMatch(
      /^step 1\/4 {2}epoch 1 {2}loss \d+\.\d{4} {2}lr 1\.00e-2 {2}grad-norm \d+\.\d{3} {2}\d+ tok\/s {2}left \d+:\d\d$/,
    );
    const loss = (line: string) => Number(/loss (\S+)/.exec(line)![1]);
    expect(loss(steps[3])).toBeLessThan(loss(steps[0]));
    expect(readdirSync(sftOut).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'checkpoint-2.bin',
      'checkpoint-4.bin',
    ]);

    // The adapter loads onto the model (q4 layers) and changes its logits.
    const { device } = await testGpu();
    const decoder = await openDecoder(device, { source: 'path', dir: modelDir, quantization: 'q4' });
    const base = await decoder.logits([51, 43, 53, 61]);
    const { adapter } = importPeftAdapter(
      {
        safetensors: readFileSync(join(sftOut, 'adapter_model.safetensors')),
        config: readFileSync(join(sftOut, 'adapter_config.json'), 'utf8'),
      },
      decoder.config,
    );
    expect(adapter.config).toMatchObject({ rank: 4, alpha: 8 });
    decoder.lora = GpuLoraAdapter.upload(device, adapter);
    expect(await decoder.logits([51, 43, 53, 61])).not.toEqual(base);
    decoder.destroy();
  });

  it('resumes from a checkpoint and ends with the same adapter', () => {
    const out = join(root, 'sft-resumed');
    const r = primer([...SFT, '--out', out, '--resume', join(sftOut, 'checkpoint-2.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .filter((line) => line.startsWith('step '))
        .map((line) => line.split('  ')[0]),
    ).toEqual(['step 3/4', 'step 4/4']);
    const resumed = adapterTensors(out);
    for (const [name, want] of adapterTensors(sftOut)) {
      const got = resumed.get(name)!;
      expect(Math.max(...want.map((w, i) => Math.abs(w - got[i]))), name).toBeLessThan(1e-6);
    }
  });
});

describe('primer sft guards its output', () => {
  it('refuses a checkpoint with one byte flipped, writing nothing', () => {
    const damaged = join(root, 'damaged.bin');
    const bytes = readFileSync(join(sftOut, 'checkpoint-2.bin'));
    bytes[bytes.length - 3] ^= 0x01;
    writeFileSync(damaged, bytes);
    const out = join(root, 'sft-damaged');
    expect(cause([...SFT, '--out', out, '--resume', damaged])).toMatch(
      /^primer: checkpoint: the file is damaged \(its checksum is "[0-9a-f]{8}", its bytes give "[0-9a-f]{8}"\)/,
    );
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(false);
  });

  it('refuses --lr 1e30 before training: the prime cell declares lr up to 1 (divergence itself: sft-run.test.ts)', () => {
    const out = join(root, 'sft-diverged');
    const r = primer([...SFT, '--lr', '1e30', '--checkpoint-every', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^primer: --lr must be between 1e-9 and 1, got 1e30$/m);
    expect(existsSync(out)).toBe(false);
  });
});

describe('primer grpo', () => {
  it('continues from an adapter on Countdown, printing metrics and writing rollouts, checkpoints and the adapter', () => {
    const out = join(root, 'grpo');
    const r = primer([
      'grpo',
      '--model',
      modelDir,
      '--task',
      'countdown',
      '--adapter',
      sftOut,
      '--steps',
      '2',
      '--prompts',
      '1',
      '--group',
      '2',
      '--max-tokens',
      '4',
      '--checkpoint-every',
      '1',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const steps = r.stdout.split('\n').filter((line) => line.startsWith('step '));
    expect(steps.map((line) => line.split('  ')[0])).toEqual(['step 0/2', 'step 1/2']);
    expect(steps[0]).toMatch(
      /reward 0\.000 {2}accuracy 0\.000 .*\[verification \d\.\d\d, backtracking .*\] {2}rollout \d+ tok\/s {2}train \d+ tok\/s {2}left \d+:\d\d$/,
    );
    const rollouts = readFileSync(join(out, 'rollouts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rollouts).toHaveLength(4);
    expect(rollouts[0]).toMatchObject({
      step: 0,
      reward: 0,
      finish: expect.any(String),
      numbers: expect.any(Array),
      target: expect.any(Number),
    });
    expect(rollouts[0].prompt).toMatch(/^A conversation between User and Assistant/);
    expect(existsSync(join(out, 'checkpoint-2.bin'))).toBe(true);
    // The run continued the SFT adapter (rank 4), not a fresh one of the default rank.
    expect(JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'))).toMatchObject({ r: 4, lora_alpha: 8 });
  });

  it('fails with a one-line cause on bad input', () => {
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, '{"prompt": "1+1=", "completion": "2"}\n{oops\n');
    expect(cause(['sft', '--model', modelDir, '--out', join(root, 'x')])).toMatch(/missing --data/);
    expect(cause(['sft', '--model', modelDir, '--data', bad, '--out', join(root, 'x')])).toMatch(
      /bad\.jsonl line 2: not valid JSON/,
    );
    expect(
      cause([
        'sft',
        '--model',
        modelDir,
        '--data',
        data,
        '--out',
        join(root, 'x'),
        '--method',
        'full',
        '--quant',
        'q4',
      ]),
    ).toMatch(/--method full trains f32 weights/);
    expect(cause(['grpo', '--model', modelDir, '--task', 'gsm8k', '--out', join(root, 'x')])).toMatch(
      /--task must be one of countdown, countdown-short, got "gsm8k"/,
    );
    expect(
      cause([
        'grpo',
        '--model',
        modelDir,
        '--steps',
        '2',
        '--out',
        join(root, 'x'),
        '--resume',
        join(sftOut, 'checkpoint-2.bin'),
      ]),
    ).toMatch(/checkpoint: it is from sft \(lora\) training, this run is grpo \(lora\)/);
  });
});
