// A LoRA adapter in CPU memory: one (A, B) pair per adapted projection, in f32. Initialised as PEFT does with
// init_lora_weights=True: A ~ kaiming_uniform(a=√5), which for a [rank, in] matrix is U(−1/√in, 1/√in), and
// B = 0, so the adapter starts as a no-op.
import type { ModelConfig } from '../model/config.ts';
import { Rng } from '../train/rng.ts';
import { LORA_TARGETS, targetShape, type LoraConfig, type LoraTarget } from './config.ts';

export interface LoraModule {
  layer: number;
  target: LoraTarget;
  inFeatures: number;
  outFeatures: number;
  /** lora_A, [rank, inFeatures] row-major. */
  a: Float32Array;
  /** lora_B, [outFeatures, rank] row-major. */
  b: Float32Array;
}

export interface LoraAdapter {
  config: LoraConfig;
  /** Ordered by layer, then by target in LORA_TARGETS order. */
  modules: LoraModule[];
}

export type LoraShapeSource = Pick<
  ModelConfig,
  'hiddenSize' | 'intermediateSize' | 'numHeads' | 'numKvHeads' | 'headDim' | 'numLayers'
>;

/** A fresh adapter for every layer and target of `config`, drawn from `seed`. */
export function initLoraAdapter(model: LoraShapeSource, config: LoraConfig, seed: number): LoraAdapter {
  const rng = new Rng(seed);
  const modules: LoraModule[] = [];
  for (let layer = 0; layer < model.numLayers; layer++) {
    for (const target of LORA_TARGETS.filter((t) => config.targets.includes(t))) {
      const { inFeatures, outFeatures } = targetShape(model, target);
      const bound = 1 / Math.sqrt(inFeatures);
      const a = new Float32Array(config.rank * inFeatures);
      for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-bound, bound);
      modules.push({ layer, target, inFeatures, outFeatures, a, b: new Float32Array(outFeatures * config.rank) });
    }
  }
  return { config, modules };
}

/** Sorts modules into the canonical order (layer, then target). */
export function sortModules(modules: LoraModule[]): LoraModule[] {
  const rank = (m: LoraModule) => m.layer * LORA_TARGETS.length + LORA_TARGETS.indexOf(m.target);
  return [...modules].sort((x, y) => rank(x) - rank(y));
}
