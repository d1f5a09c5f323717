import { describe, expect, it } from 'vitest';
import { WebLlmError, explainWebLlmError, type WebLlmErrorKind } from '../../src/generators/webllm/errors.ts';
import { WebLlmGenerator } from '../../src/generators/webllm/generator.ts';
import { GpuMemoryLedger } from '../../src/generators/memory.ts';
import type { WebLlmModel } from '../../src/generators/webllm/models.ts';
import { prebuiltModel, WebLlmStandIn, webLlmError, type StandInOptions } from '../support/webllmStandIn.ts';

const context = { modelId: 'Qwen2.5-1.5B-Instruct-q4f16_1-MLC', gpuBytes: 1.71e9 };

describe('explainWebLlmError', () => {
  it('reads the "Name: message" strings WebLLM\'s worker rejects with', () => {
    const cases: [string, WebLlmErrorKind, string][] = [
      [
        'WebGPUNotAvailableError: WebGPU is not supported in your current environment',
        'no-webgpu',
        'WebGPU is not available to WebLLM in its worker. Use Chrome or Edge 113+',
      ],
      [
        'ShaderF16SupportError: This model requires WebGPU extension shader-f16',
        'no-shader-f16',
        'Qwen2.5-1.5B-Instruct-q4f16_1-MLC is a q4f16_1 build, which needs the GPU feature shader-f16, and this GPU has none. Use the q4f32_1 build',
      ],
      [
        'DeviceLostError: The WebGPU device was lost while loading the model.',
        'out-of-memory',
        'The GPU ran out of memory or lost its device while running Qwen2.5-1.5B-Instruct-q4f16_1-MLC (it needs about 1.7 GB). Close other tabs',
      ],
      [
        "TypeError: Failed to execute 'add' on 'Cache': Request failed",
        'download',
        'A file of Qwen2.5-1.5B-Instruct-q4f16_1-MLC could not be downloaded: huggingface.co answered with an HTTP error such as 404. Check that https://huggingface.co/mlc-ai/Qwen2.5-1.5B-Instruct-q4f16_1-MLC still exists',
      ],
      [
        'TypeError: Failed to fetch',
        'download',
        'The download of Qwen2.5-1.5B-Instruct-q4f16_1-MLC failed (Failed to fetch). Check the network connection',
      ],
      [
        'ModelNotFoundError: Cannot find model record in appConfig for X.',
        'no-build',
        'WebLLM does not know the model Qwen2.5-1.5B-Instruct-q4f16_1-MLC.',
      ],
      [
        'Error: something odd\nat line 2',
        'failed',
        'WebLLM failed while running Qwen2.5-1.5B-Instruct-q4f16_1-MLC: Error: something odd. See the browser console',
      ],
    ];
    for (const [raw, kind, sentence] of cases) {
      const error = explainWebLlmError(raw, context);
      expect(error, raw).toBeInstanceOf(WebLlmError);
      expect(error.kind, raw).toBe(kind);
      expect(error.message.startsWith(sentence), `${raw} -> ${error.message}`).toBe(true);
    }
  });

  it('reads Error objects too, and the shader compiler message of a q4f16 build without the feature', () => {
    expect(explainWebLlmError(webLlmError('DeviceLostError', 'lost'), context).kind).toBe('out-of-memory');
    expect(
      explainWebLlmError(new Error("Invalid ShaderModule: extension 'f16' is not allowed in the Device"), context).kind,
    ).toBe('no-shader-f16');
    const worker = new Error('the WebLLM worker script failed to load');
    worker.name = 'WorkerError';
    expect(explainWebLlmError(worker, context).message).toBe(
      'The WebLLM worker stopped (the WebLLM worker script failed to load). Reload the page and try again.',
    );
  });
});

/** Loads `model` in a stand-in world and returns the error it fails with. */
async function failedLoad(options: StandInOptions, model: WebLlmModel, publish = true) {
  const standIn = new WebLlmStandIn(options);
  if (publish) standIn.publishTiny(model.record);
  const generator = new WebLlmGenerator({ model, createEngine: standIn.createEngine, caches: null });
  const error = await generator.load().then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WebLlmError);
  expect(standIn.engines.every((e) => e.terminated)).toBe(true);
  return error as WebLlmError;
}

describe('WebLlmGenerator failures end the worker and say why', () => {
  const f16 = prebuiltModel('Qwen/Qwen2.5-0.5B-Instruct');

  it('no WebGPU in the worker', async () => {
    expect((await failedLoad({ gpu: { webgpu: false } }, f16)).kind).toBe('no-webgpu');
  });

  it('a q4f16_1 build on a GPU without shader-f16, with and without required_features in the record', async () => {
    expect((await failedLoad({ gpu: { shaderF16: false } }, f16)).kind).toBe('no-shader-f16');
    const listed = { ...f16, record: { ...f16.record, required_features: ['shader-f16'] } };
    const error = await failedLoad({ gpu: { shaderF16: false } }, listed);
    expect(error.message).toMatch(
      /^Qwen2\.5-0\.5B-Instruct-q4f16_1-MLC is a q4f16_1 build, which needs the GPU feature shader-f16/,
    );
  });

  it('a build larger than the GPU memory', async () => {
    const error = await failedLoad({ gpu: { memoryMB: 512 } }, f16);
    expect(error.kind).toBe('out-of-memory');
    expect(error.reason).toBe(
      'the GPU ran out of memory or lost its device while running Qwen2.5-0.5B-Instruct-q4f16_1-MLC (it needs about 1.0 GB)',
    );
  });

  it('files missing on huggingface.co (404) and no network', async () => {
    expect((await failedLoad({}, f16, false)).reason).toBe(
      'a file of Qwen2.5-0.5B-Instruct-q4f16_1-MLC could not be downloaded: huggingface.co answered with an HTTP error such as 404',
    );
    expect((await failedLoad({ network: 'offline' }, f16)).reason).toBe(
      'the download of Qwen2.5-0.5B-Instruct-q4f16_1-MLC failed (Failed to fetch)',
    );
  });

  it('a worker that dies while starting', async () => {
    expect((await failedLoad({ crashOnSpawn: true }, f16)).kind).toBe('worker');
  });

  it('a device lost mid-generation: the worker ends, the ledger forgets the model, the next call starts afresh', async () => {
    const standIn = new WebLlmStandIn({ loseDeviceAfterTokens: 2, reply: () => ['a', 'b', 'c'] });
    standIn.publishTiny(f16.record);
    const ledger = new GpuMemoryLedger();
    const generator = new WebLlmGenerator({ model: f16, createEngine: standIn.createEngine, caches: null, ledger });
    const request = { prompts: ['p'], maxTokens: 8, temperature: 0 };
    await expect(generator.generate(request)).rejects.toMatchObject({ kind: 'out-of-memory' });
    expect(standIn.engines[0].terminated).toBe(true);
    expect(ledger.loaded).toEqual([]);
    await expect(generator.generate(request)).rejects.toMatchObject({ kind: 'out-of-memory' });
    expect(standIn.engines).toHaveLength(2);
  });
});
