// mlc-chat-config.json carries the model's hyper-parameters under "model_config" with MLC's own names for a
// few of them (Llama: position_embedding_base for rope_theta; both: context_window_size for the maximum
// positions) and the token ids and quantization at the top level. We translate it to config.json's names so
// one parser validates both.

import { parseModelConfig, type ModelConfig } from '../model/config.ts';

export const MLC_QUANTIZATIONS = ['q4f16_1', 'q4f32_1', 'q0f16', 'q0f32'] as const;
export type MlcQuantization = (typeof MLC_QUANTIZATIONS)[number];

export interface MlcChatConfig {
  config: ModelConfig;
  quantization: MlcQuantization;
}

export function parseMlcQuantization(value: unknown, where: string): MlcQuantization {
  if (!MLC_QUANTIZATIONS.includes(value as MlcQuantization)) {
    throw new Error(
      `${where}: unsupported "quantization" ${JSON.stringify(value)} (supported: ${MLC_QUANTIZATIONS.join(', ')})`,
    );
  }
  return value as MlcQuantization;
}

/** `generationConfig` (generation_config.json, where the repo has one) adds its eos ids, as for config.json. */
export function parseMlcChatConfig(
  json: unknown,
  where = 'mlc-chat-config.json',
  generationConfig?: unknown,
): MlcChatConfig {
  const top = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const model = top.model_config;
  if (typeof model !== 'object' || model === null) throw new Error(`${where}: missing "model_config"`);
  const m = model as Record<string, unknown>;
  const asHf: Record<string, unknown> = {
    ...m,
    model_type: top.model_type,
    rope_theta: m.rope_theta ?? m.position_embedding_base,
    max_position_embeddings: m.max_position_embeddings ?? m.context_window_size ?? top.context_window_size,
    bos_token_id: top.bos_token_id,
    eos_token_id: top.eos_token_id,
  };
  // MLC writes 0 for "derive it" in a few integer fields.
  for (const field of ['head_dim', 'num_key_value_heads']) if (asHf[field] === 0) delete asHf[field];
  return {
    config: parseModelConfig(asHf, generationConfig, where),
    quantization: parseMlcQuantization(top.quantization, where),
  };
}
