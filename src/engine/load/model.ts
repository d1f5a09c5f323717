// One entry point for every checkpoint layout: an MLC repo (it has tensor-cache.json or ndarray-cache.json)
// or a Hugging Face one (config.json + safetensors). The tokenizer files are passed through as text.

import type { ModelConfig } from '../model/config.ts';
import { openHfWeights, readHfConfig } from './hf.ts';
import { openMlcWeights, readMlcConfig } from './mlc.ts';
import { MLC_INDEX_FILES } from './mlcCache.ts';
import type { ModelSource } from './source.ts';
import type { WeightReader } from './weights.ts';

export const TEXT_FILES = ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json'] as const;

export interface LoadedModel {
  config: ModelConfig;
  weights: WeightReader;
  /** The files of TEXT_FILES that the source has, by name. */
  texts: Partial<Record<(typeof TEXT_FILES)[number], string>>;
}

export async function isMlcSource(source: ModelSource): Promise<boolean> {
  for (const file of MLC_INDEX_FILES) if (await source.has(file)) return true;
  return false;
}

/** Reads the config and validates every weight's presence and shape; weights themselves are read on demand. */
export async function openModel(source: ModelSource): Promise<LoadedModel> {
  const texts: LoadedModel['texts'] = {};
  for (const file of TEXT_FILES) if (await source.has(file)) texts[file] = await source.readText(file);
  let weights: WeightReader;
  if (await isMlcSource(source)) {
    const { config, quantization } = await readMlcConfig(source);
    weights = await openMlcWeights(source, config, quantization);
  } else {
    weights = await openHfWeights(source, await readHfConfig(source));
  }
  return { config: weights.config, weights, texts };
}
