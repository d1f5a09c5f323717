import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { openSampleBackend, type SampleBackendRequest } from '../../src/generators/webllm/backend.ts';
import { prebuiltModel, WebLlmStandIn, END, type StandInOptions } from '../support/webllmStandIn.ts';

const PREBUILT = prebuiltAppConfig.model_list;

function request(standIn: WebLlmStandIn, fields: Partial<SampleBackendRequest>): SampleBackendRequest {
  return {
    backend: 'webllm',
    model: 'Qwen/Qwen2.5-0.5B-Instruct',
    trained: false,
    gpu: { shaderF16: standIn.gpu.shaderF16 },
    modelList: PREBUILT,
    generator: { createEngine: standIn.createEngine, caches: null },
    ...fields,
  };
}

function world(options: StandInOptions = {}): WebLlmStandIn {
  const standIn = new WebLlmStandIn(options);
  for (const quant of ['q4f16_1', 'q4f32_1'] as const)
    standIn.publishTiny(prebuiltModel('Qwen/Qwen2.5-0.5B-Instruct', true, quant).record);
  return standIn;
}

describe('openSampleBackend', () => {
  it('starts WebLLM with the build this GPU needs and returns a working generator', async () => {
    const standIn = world({ gpu: { shaderF16: false }, reply: () => ['12', END] });
    const decision = await openSampleBackend(request(standIn, {}));
    expect(decision.use).toBe('webllm');
    if (decision.use !== 'webllm') return;
    expect(decision.note).toMatch(
      /^This GPU has no shader-f16, so Primer uses the q4f32_1 build of Qwen2\.5-0\.5B-Instruct/,
    );
    expect(await decision.generator.generate({ prompts: ['p'], maxTokens: 4, temperature: 0 })).toEqual([
      { text: '12', tokens: 2, finish: 'eos' },
    ]);
  });

  it("uses Primer's engine when the cell asks for it, without starting WebLLM", async () => {
    const standIn = world();
    expect(await openSampleBackend(request(standIn, { backend: 'primer' }))).toEqual({
      use: 'primer',
      note: "Sampling with Primer's engine, as the model cell asks.",
    });
    expect(standIn.engines).toHaveLength(0);
  });

  it('falls back before starting anything when WebLLM cannot take the cell', async () => {
    const standIn = world();
    const note = async (fields: Partial<SampleBackendRequest>) => {
      const decision = await openSampleBackend(request(standIn, fields));
      expect(decision.use).toBe('primer');
      return decision.note;
    };
    expect(await note({ trained: true })).toBe(
      "WebLLM could not start: a primed or trained model needs Primer's LoRA adapter, which WebLLM cannot apply; sampling with Primer's engine instead.",
    );
    expect(await note({ quantization: 'f16' })).toBe(
      "WebLLM could not start: the cell asks for f16 weights and WebLLM runs only q4f16_1 and q4f32_1 builds; sampling with Primer's engine instead.",
    );
    expect(await note({ gpu: null })).toBe(
      "WebLLM could not start: this browser has no WebGPU; sampling with Primer's engine instead.",
    );
    expect(await note({ backend: 'auto', model: 'Qwen/Qwen2.5-0.5B' })).toBe(
      "WebLLM is not used: WebLLM has no prebuilt build of Qwen2.5-0.5B; sampling with Primer's engine.",
    );
    expect(
      await note({ gpu: { shaderF16: false }, modelList: PREBUILT.filter((r) => !r.model_id.includes('q4f32_1')) }),
    ).toBe(
      "WebLLM could not start: WebLLM has no q4f32_1 build of Qwen2.5-0.5B-Instruct; sampling with Primer's engine instead.",
    );
    expect(standIn.engines).toHaveLength(0);
  });

  it('falls back when WebLLM fails to start, after ending its worker', async () => {
    const standIn = world({ gpu: { webgpu: false } });
    expect(await openSampleBackend(request(standIn, {}))).toEqual({
      use: 'primer',
      note: "WebLLM could not start: WebGPU is not available to WebLLM in its worker; sampling with Primer's engine instead.",
    });
    expect(standIn.engines[0].terminated).toBe(true);
    const f16Forced = world({ gpu: { shaderF16: false } });
    const decision = await openSampleBackend({ ...request(f16Forced, { quantization: 'q4f16_1' }) });
    expect(decision.note).toMatch(
      /^WebLLM could not start: Qwen2\.5-0\.5B-Instruct-q4f16_1-MLC is a q4f16_1 build, which needs the GPU feature shader-f16/,
    );
  });

  it('lets a cancel through as an AbortError', async () => {
    const standIn = world();
    const controller = new AbortController();
    const pending = openSampleBackend(request(standIn, { signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
