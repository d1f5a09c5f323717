import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { WebLlmError } from '../../src/generators/webllm/errors.ts';
import { chooseWebLlmModel, listWebLlmModels } from '../../src/generators/webllm/models.ts';

// WebLLM 0.2.86's own prebuilt list, not a copy: the test breaks if a release renames or drops a build.
const PREBUILT = prebuiltAppConfig.model_list;
const F16 = { shaderF16: true };
const NO_F16 = { shaderF16: false };

describe('listWebLlmModels', () => {
  it('finds both q4 builds of every Instruct model Primer supports in the prebuilt list', () => {
    const ids = listWebLlmModels(F16, PREBUILT).map((m) => m.modelId);
    expect(ids).toEqual([
      'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
      'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
      'Qwen2.5-1.5B-Instruct-q4f16_1-MLC',
      'Qwen2.5-1.5B-Instruct-q4f32_1-MLC',
      'Qwen2.5-3B-Instruct-q4f16_1-MLC',
      'Qwen2.5-3B-Instruct-q4f32_1-MLC',
      'Llama-3.2-1B-Instruct-q4f16_1-MLC',
      'Llama-3.2-1B-Instruct-q4f32_1-MLC',
      'Llama-3.2-3B-Instruct-q4f16_1-MLC',
      'Llama-3.2-3B-Instruct-q4f32_1-MLC',
    ]);
  });

  it("reports WebLLM's vram_required_MB in bytes and the download size from the architecture", () => {
    const qwen = listWebLlmModels(F16, PREBUILT).find((m) => m.modelId === 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC')!;
    expect(qwen.gpuBytes).toBeCloseTo(1060.2 * 2 ** 20, 0);
    expect(qwen.downloadBytes / 1e9).toBeCloseTo(0.278, 3);
    const llama3b = listWebLlmModels(F16, PREBUILT).find((m) => m.modelId === 'Llama-3.2-3B-Instruct-q4f16_1-MLC')!;
    expect(llama3b.gpuBytes).toBeCloseTo(2263.69 * 2 ** 20, 0);
    expect(llama3b.downloadBytes / 1e9).toBeCloseTo(1.807, 3);
  });

  it('marks q4f16_1 builds as not runnable without shader-f16', () => {
    const runs = Object.fromEntries(listWebLlmModels(NO_F16, PREBUILT).map((m) => [m.modelId, m.runs]));
    expect(runs['Qwen2.5-1.5B-Instruct-q4f16_1-MLC']).toBe(false);
    expect(runs['Qwen2.5-1.5B-Instruct-q4f32_1-MLC']).toBe(true);
  });
});

describe('chooseWebLlmModel', () => {
  it('picks q4f16_1 on a GPU with shader-f16, from a Hugging Face repo name', () => {
    const choice = chooseWebLlmModel('Qwen/Qwen2.5-0.5B-Instruct', F16, PREBUILT);
    expect(choice.model.modelId).toBe('Qwen2.5-0.5B-Instruct-q4f16_1-MLC');
    expect(choice.sentence).toBe(
      'This GPU has shader-f16, so Primer uses the q4f16_1 build of Qwen2.5-0.5B-Instruct in WebLLM (1.0 GB of GPU memory, 0.3 GB download).',
    );
  });

  it('picks q4f32_1 on a GPU without shader-f16 and says so', () => {
    const choice = chooseWebLlmModel('qwen2.5-0.5b-instruct', NO_F16, PREBUILT);
    expect(choice.model.modelId).toBe('Qwen2.5-0.5B-Instruct-q4f32_1-MLC');
    expect(choice.sentence).toBe(
      'This GPU has no shader-f16, so Primer uses the q4f32_1 build of Qwen2.5-0.5B-Instruct in WebLLM (1.1 GB of GPU memory, 0.3 GB download).',
    );
  });

  it('honours a build named by WebLLM model_id or mlc-ai repo, or by the quantization asked for', () => {
    expect(chooseWebLlmModel('Llama-3.2-1B-Instruct-q4f32_1-MLC', F16, PREBUILT).sentence).toMatch(
      /^You asked for the q4f32_1 build of Llama-3\.2-1B-Instruct/,
    );
    expect(chooseWebLlmModel('mlc-ai/Llama-3.2-3B-Instruct-q4f16_1-MLC', F16, PREBUILT).model.quant).toBe('q4f16_1');
    expect(chooseWebLlmModel('meta-llama/Llama-3.2-3B-Instruct', F16, PREBUILT, 'q4f32_1').model.modelId).toBe(
      'Llama-3.2-3B-Instruct-q4f32_1-MLC',
    );
  });

  it('refuses q4f16_1 on a GPU without shader-f16 with a sentence naming the way out', () => {
    const fail = () => chooseWebLlmModel('Qwen/Qwen2.5-1.5B-Instruct', NO_F16, PREBUILT, 'q4f16_1');
    expect(fail).toThrow(WebLlmError);
    expect(fail).toThrow(
      'Qwen2.5-1.5B-Instruct-q4f16_1-MLC is a q4f16_1 build, which needs the GPU feature shader-f16, and this GPU has none. Use the q4f32_1 build (quantization: q4f32_1).',
    );
  });

  it('has no build for base models, or when the list lacks the build this GPU needs', () => {
    expect(() => chooseWebLlmModel('Qwen/Qwen2.5-0.5B', F16, PREBUILT)).toThrow(
      /^WebLLM has no prebuilt build of Qwen2\.5-0\.5B\. WebLLM offers Qwen2\.5-0\.5B-Instruct, /,
    );
    expect(() => chooseWebLlmModel('gpt2', F16, PREBUILT)).toThrow('WebLLM has no prebuilt build of "gpt2".');
    const onlyF16 = PREBUILT.filter((r) => !r.model_id.includes('q4f32_1'));
    try {
      chooseWebLlmModel('Qwen/Qwen2.5-3B-Instruct', NO_F16, onlyF16);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WebLlmError);
      expect((err as WebLlmError).kind).toBe('no-build');
      expect((err as WebLlmError).reason).toBe('WebLLM has no q4f32_1 build of Qwen2.5-3B-Instruct');
    }
  });
});
