// What the notebook's sample and annotate cells call to get a generator for a model cell's `backend`:
// WebLLM when the cell asks for it (backend: webllm) or leaves the choice open (backend: auto) and WebLLM can
// run the model; Primer's engine otherwise, with a note saying why. A cell that asked for WebLLM is never
// left without a sampler: when WebLLM cannot start, the decision falls back to the engine.

import type { ModelRecord } from '@mlc-ai/web-llm';
import type { GpuInfo } from '../../engine/gpu.ts';
import { loadPrebuiltModelList } from './engine.ts';
import { WebLlmError } from './errors.ts';
import { WebLlmGenerator, type WebLlmGeneratorOptions } from './generator.ts';
import { chooseWebLlmModel, MLC_QUANTS } from './models.ts';

export type SampleBackend = 'auto' | 'primer' | 'webllm';

export interface SampleBackendRequest {
  /** The model cell's `backend` field. */
  backend: SampleBackend;
  /** The model cell's `name`: a Hugging Face repo, a catalog id, or a WebLLM model_id. */
  model: string;
  /** The model cell's `quantization`, if set. */
  quantization?: string;
  /** The cell samples a primed or RL-trained model, whose LoRA adapter only Primer's engine applies. */
  trained: boolean;
  /** The page's adapter (engine/gpu.ts), or null when the page has no WebGPU. */
  gpu: Pick<GpuInfo, 'shaderF16'> | null;
  /** WebLLM's prebuilt list; loaded from the package when absent. */
  modelList?: readonly ModelRecord[];
  /** Passed to the generator (engine factory, ledger, progress, caches, prompt style). */
  generator?: Omit<WebLlmGeneratorOptions, 'model'>;
  signal?: AbortSignal;
}

export type SampleBackendDecision =
  { use: 'webllm'; generator: WebLlmGenerator; note: string } | { use: 'primer'; note: string };

const NO_WEBGPU = 'this browser has no WebGPU';

/** Why WebLLM cannot take this cell, known before anything starts; null if it may try. */
function precheck(request: SampleBackendRequest): string | null {
  if (request.trained) return "a primed or trained model needs Primer's LoRA adapter, which WebLLM cannot apply";
  if (request.quantization !== undefined && !MLC_QUANTS.some((q) => q === request.quantization)) {
    return `the cell asks for ${request.quantization} weights and WebLLM runs only q4f16_1 and q4f32_1 builds`;
  }
  if (!request.gpu) return NO_WEBGPU;
  return null;
}

function fallback(request: SampleBackendRequest, reason: string): SampleBackendDecision {
  const note =
    request.backend === 'webllm'
      ? `WebLLM could not start: ${reason}; sampling with Primer's engine instead.`
      : `WebLLM is not used: ${reason}; sampling with Primer's engine.`;
  return { use: 'primer', note };
}

/**
 * Decides who samples for a cell and, for WebLLM, starts it with the model loaded (download progress goes
 * to request.generator.onProgress). Throws only an AbortError, when request.signal aborts.
 */
export async function openSampleBackend(request: SampleBackendRequest): Promise<SampleBackendDecision> {
  if (request.backend === 'primer')
    return { use: 'primer', note: "Sampling with Primer's engine, as the model cell asks." };
  const blocked = precheck(request);
  if (blocked !== null || !request.gpu) return fallback(request, blocked ?? NO_WEBGPU);
  try {
    const modelList = request.modelList ?? (await loadPrebuiltModelList());
    const quant = MLC_QUANTS.find((q) => q === request.quantization);
    const choice = chooseWebLlmModel(request.model, request.gpu, modelList, quant);
    const generator = new WebLlmGenerator({ ...request.generator, model: choice.model });
    await generator.load(request.signal);
    return { use: 'webllm', generator, note: choice.sentence };
  } catch (err) {
    if (request.signal?.aborted) throw err;
    if (err instanceof WebLlmError) return fallback(request, err.reason);
    return fallback(request, `an unexpected error (${err instanceof Error ? err.message : String(err)})`);
  }
}
