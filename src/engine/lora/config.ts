// LoRA configuration and the shapes of the adapted projections. Names follow PEFT: a target `q` is the module
// `self_attn.q_proj`, `gate` is `mlp.gate_proj`; `lora_A` is [rank, in] and `lora_B` is [out, rank].
import type { ModelConfig } from '../model/config.ts';

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  rank: number;
  alpha: number;
  targets: LoraTarget[];
  /** Only 0 is implemented: dropout on the adapter input would need its mask saved for the backward. */
  dropout: 0;
  /** rsLoRA scales by alpha / √rank instead of alpha / rank. */
  rslora: boolean;
}

/** The largest rank the kernels take (their per-row workgroup buffer holds one u row). */
export const MAX_LORA_RANK = 256;

/** A LoraConfig with defaults (all seven targets, alpha = rank, no dropout), validated. */
export function loraConfig(options: Partial<LoraConfig> & { rank: number }): LoraConfig {
  const config: LoraConfig = {
    rank: options.rank,
    alpha: options.alpha ?? options.rank,
    targets: options.targets ?? [...LORA_TARGETS],
    dropout: options.dropout ?? 0,
    rslora: options.rslora ?? false,
  };
  if (!Number.isInteger(config.rank) || config.rank < 1 || config.rank > MAX_LORA_RANK) {
    throw new Error(`lora: rank must be an integer in 1..${MAX_LORA_RANK}, got ${config.rank}`);
  }
  if (!Number.isFinite(config.alpha) || config.alpha <= 0)
    throw new Error(`lora: alpha must be positive, got ${config.alpha}`);
  if (config.dropout !== 0) throw new Error(`lora: dropout ${String(config.dropout)} is not supported (only 0)`);
  if (config.targets.length === 0) throw new Error('lora: targets must not be empty');
  for (const t of config.targets) {
    if (!LORA_TARGETS.includes(t)) throw new Error(`lora: unknown target "${t}" (known: ${LORA_TARGETS.join(', ')})`);
  }
  config.targets = LORA_TARGETS.filter((t) => config.targets.includes(t));
  return config;
}

/** The adapter's output multiplier s in y += s · (x Aᵀ) Bᵀ. */
export function loraScale(config: Pick<LoraConfig, 'rank' | 'alpha' | 'rslora'>): number {
  return config.rslora ? config.alpha / Math.sqrt(config.rank) : config.alpha / config.rank;
}

/** in/out features of a target's base projection ([out, in] weight). */
export function targetShape(
  model: Pick<ModelConfig, 'hiddenSize' | 'intermediateSize' | 'numHeads' | 'numKvHeads' | 'headDim'>,
  target: LoraTarget,
): { inFeatures: number; outFeatures: number } {
  const d = model.hiddenSize;
  const q = model.numHeads * model.headDim;
  const kv = model.numKvHeads * model.headDim;
  const ff = model.intermediateSize;
  const shapes: Record<LoraTarget, [number, number]> = {
    q: [d, q],
    k: [d, kv],
    v: [d, kv],
    o: [q, d],
    gate: [d, ff],
    up: [d, ff],
    down: [ff, d],
  };
  const [inFeatures, outFeatures] = shapes[target];
  return { inFeatures, outFeatures };
}
