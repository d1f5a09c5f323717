// The WebLLM builds Primer offers: the records of WebLLM's prebuilt model list whose model_id is one of the
// catalog's MLC repos (the Instruct models; WebLLM has no base-model builds), and which build a GPU gets:
// q4f16_1 when the adapter has shader-f16 (less memory, faster), q4f32_1 otherwise, because q4f16_1 shaders
// do not compile without the feature even where the record does not list it.

import type { ModelRecord } from '@mlc-ai/web-llm';
import type { GpuInfo } from '../../engine/gpu.ts';
import { CATALOG, downloadBytes, type CatalogEntry, type MlcQuant } from '../../engine/model/catalog.ts';
import { formatGigabytes } from '../memory.ts';
import { WebLlmError } from './errors.ts';

export const MLC_QUANTS: readonly MlcQuant[] = ['q4f16_1', 'q4f32_1'];

export interface WebLlmModel {
  /** WebLLM's model_id, e.g. Qwen2.5-0.5B-Instruct-q4f16_1-MLC. */
  modelId: string;
  /** Primer's catalog entry of the same model. */
  entry: CatalogEntry;
  quant: MlcQuant;
  record: ModelRecord;
  /** WebLLM's vram_required_MB (MiB) in bytes: weights, KV cache for its 4096-token window, and scratch. */
  gpuBytes: number;
  /** The weight shards' size, estimated from the architecture (catalog.downloadBytes). */
  downloadBytes: number;
  /** Whether this GPU can run the build. */
  runs: boolean;
}

export interface WebLlmChoice {
  model: WebLlmModel;
  /** Says which build was picked and why, with its memory and download size. */
  sentence: string;
}

const modelIdOf = (repo: string): string => repo.slice(repo.indexOf('/') + 1);

/** Every supported build that the prebuilt list has, in catalog order, marked with whether this GPU runs it. */
export function listWebLlmModels(gpu: Pick<GpuInfo, 'shaderF16'>, modelList: readonly ModelRecord[]): WebLlmModel[] {
  const models: WebLlmModel[] = [];
  for (const entry of CATALOG) {
    for (const quant of MLC_QUANTS) {
      const repo = entry.mlcRepos[quant];
      const record = repo ? modelList.find((r) => r.model_id === modelIdOf(repo)) : undefined;
      if (!record) continue;
      models.push({
        modelId: record.model_id,
        entry,
        quant,
        record,
        gpuBytes: (record.vram_required_MB ?? 0) * 2 ** 20,
        downloadBytes: downloadBytes(entry.config, quant),
        runs: quant === 'q4f32_1' || gpu.shaderF16,
      });
    }
  }
  return models;
}

/** The catalog entry a model name means: a catalog id, a Hugging Face repo, a WebLLM model_id or its mlc-ai repo. */
function findEntry(
  name: string,
  models: readonly WebLlmModel[],
): { entry: CatalogEntry; quant?: MlcQuant } | undefined {
  const byBuild = models.find((m) => m.modelId === modelIdOf(name) || m.modelId === name);
  if (byBuild) return { entry: byBuild.entry, quant: byBuild.quant };
  const entry = CATALOG.find((e) => e.id === name.toLowerCase() || e.hfRepo === name);
  return entry && { entry };
}

/**
 * Picks the build of `name` for this GPU, or the one asked for. Throws a WebLlmError ('no-build') when WebLLM
 * has no build of the model, or ('no-shader-f16') when q4f16_1 is asked for on a GPU without shader-f16.
 */
export function chooseWebLlmModel(
  name: string,
  gpu: Pick<GpuInfo, 'shaderF16'>,
  modelList: readonly ModelRecord[],
  quant?: MlcQuant,
): WebLlmChoice {
  const models = listWebLlmModels(gpu, modelList);
  const found = findEntry(name, models);
  const offered = [...new Set(models.map((m) => m.entry.label))].join(', ');
  if (!found || !models.some((m) => m.entry === found.entry)) {
    throw new WebLlmError(
      'no-build',
      `WebLLM has no prebuilt build of ${found?.entry.label ?? `"${name}"`}`,
      `WebLLM offers ${offered}`,
    );
  }
  const asked = quant ?? found.quant;
  const wanted = asked ?? (gpu.shaderF16 ? 'q4f16_1' : 'q4f32_1');
  const model = models.find((m) => m.entry === found.entry && m.quant === wanted);
  if (!model) {
    throw new WebLlmError(
      'no-build',
      `WebLLM has no ${wanted} build of ${found.entry.label}`,
      `WebLLM offers ${offered}`,
    );
  }
  if (!model.runs) {
    throw new WebLlmError(
      'no-shader-f16',
      `${model.modelId} is a q4f16_1 build, which needs the GPU feature shader-f16, and this GPU has none`,
      'use the q4f32_1 build (quantization: q4f32_1)',
    );
  }
  const cost = `${formatGigabytes(model.gpuBytes)} of GPU memory, ${formatGigabytes(model.downloadBytes)} download`;
  const why = asked
    ? `You asked for the ${wanted} build`
    : gpu.shaderF16
      ? 'This GPU has shader-f16, so Primer uses the q4f16_1 build'
      : 'This GPU has no shader-f16, so Primer uses the q4f32_1 build';
  return { model, sentence: `${why} of ${found.entry.label} in WebLLM (${cost}).` };
}
