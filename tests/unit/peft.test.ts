import { describe, expect, it } from 'vitest';
import { initLoraAdapter, type LoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig, loraScale } from '../../src/engine/lora/config.ts';
import {
  exportPeftAdapter,
  importPeftAdapter,
  mergeLora,
  peftAdapterConfig,
  readSafetensorsF32,
} from '../../src/engine/lora/peft.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/engine/load/safetensorsWriter.ts';
import { matmulRef } from '../../src/engine/reference/matmul.ts';
import { loraForwardRef } from '../../src/engine/reference/lora.ts';
import { Rng } from '../../src/engine/train/rng.ts';

// A tiny Qwen2-shaped model: hidden 8, 2 heads of 4 (1 kv head), MLP 12, 2 layers.
const model = { hiddenSize: 8, intermediateSize: 12, numHeads: 2, numKvHeads: 1, headDim: 4, numLayers: 2 };

function trainedAdapter(targets = loraConfig({ rank: 2, alpha: 4 }).targets): LoraAdapter {
  const adapter = initLoraAdapter(model, loraConfig({ rank: 2, alpha: 4, targets }), 5);
  const rng = new Rng(6);
  for (const m of adapter.modules) m.b = m.b.map(() => rng.uniform(-1, 1));
  return adapter;
}

function header(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

describe('PEFT export', () => {
  const files = exportPeftAdapter(trainedAdapter(), 'Qwen/Qwen2.5-0.5B-Instruct');

  it('names and shapes tensors exactly as PEFT saves them, with {"format": "pt"}', () => {
    const h = header(files['adapter_model.safetensors']);
    expect(h.__metadata__).toEqual({ format: 'pt' });
    expect(Object.keys(h)).toHaveLength(1 + 2 * 7 * 2);
    expect(h['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']).toMatchObject({
      dtype: 'F32',
      shape: [2, 8],
    });
    expect(h['base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight']).toMatchObject({
      dtype: 'F32',
      shape: [8, 2],
    });
    expect(h['base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight']).toMatchObject({ shape: [4, 2] });
    expect(h['base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight']).toMatchObject({ shape: [2, 8] });
    expect(h['base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight']).toMatchObject({ shape: [12, 2] });
    expect(h['base_model.model.model.layers.1.mlp.down_proj.lora_A.weight']).toMatchObject({ shape: [2, 12] });
    expect(h['base_model.model.model.layers.0.mlp.up_proj.lora_A.weight']).toMatchObject({ shape: [2, 8] });
  });

  it('writes the adapter_config.json fields PEFT writes', () => {
    expect(JSON.parse(files['adapter_config.json'])).toEqual({
      alpha_pattern: {},
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B-Instruct',
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      init_lora_weights: true,
      layers_pattern: null,
      layers_to_transform: null,
      lora_alpha: 4,
      lora_dropout: 0,
      modules_to_save: null,
      peft_type: 'LORA',
      r: 2,
      rank_pattern: {},
      revision: null,
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
      task_type: 'CAUSAL_LM',
      use_dora: false,
      use_rslora: false,
    });
  });

  it('round-trips: export → import gives identical tensors and config', () => {
    const adapter = trainedAdapter(['v', 'down']);
    const files = exportPeftAdapter(adapter, 'base');
    const back = importPeftAdapter(
      { safetensors: files['adapter_model.safetensors'], config: files['adapter_config.json'] },
      model,
    );
    expect(back.baseModel).toBe('base');
    expect(back.adapter.config).toEqual(adapter.config);
    expect(back.adapter.modules).toEqual(adapter.modules);
  });
});

describe('PEFT import of files written by PEFT', () => {
  /** An adapter file as Python would write it: keys with the adapter name, BF16, only some layers. */
  function pythonStyle(dtype: 'F32' | 'BF16', keySuffix = '.weight'): Uint8Array {
    const t = (shape: number[], seed: number): TensorToWrite => ({
      dtype,
      shape,
      data: Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => ((i * seed) % 7) / 8 - 0.4),
    });
    return writeSafetensors(
      {
        [`base_model.model.model.layers.1.self_attn.q_proj.lora_A${keySuffix}`]: t([4, 8], 3),
        [`base_model.model.model.layers.1.self_attn.q_proj.lora_B${keySuffix}`]: t([8, 4], 5),
      },
      { format: 'pt' },
    );
  }
  const minimal = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: 4,
    lora_alpha: 16,
    target_modules: 'all-linear',
    base_model_name_or_path: 'meta-llama/Llama-3.2-1B',
  };

  it('takes "all-linear", missing optional fields, the `.default` adapter name and BF16 tensors', () => {
    const { adapter, baseModel } = importPeftAdapter(
      { safetensors: pythonStyle('BF16', '.default.weight'), config: minimal },
      model,
    );
    expect(baseModel).toBe('meta-llama/Llama-3.2-1B');
    expect(adapter.config).toMatchObject({
      rank: 4,
      alpha: 16,
      rslora: false,
      targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    });
    expect(adapter.modules.map((m) => `${m.layer}.${m.target}`)).toEqual(['1.q']);
    expect(adapter.modules[0].a[1]).toBeCloseTo(3 / 8 - 0.4, 2); // bf16 keeps ~3 digits
  });

  it('supports rsLoRA scaling alpha/√r', () => {
    const { adapter } = importPeftAdapter(
      { safetensors: pythonStyle('F32'), config: { ...minimal, use_rslora: true } },
      model,
    );
    expect(loraScale(adapter.config)).toBe(8);
  });

  it('rejects what it cannot load, naming the cause', () => {
    const st = pythonStyle('F32');
    expect(() => importPeftAdapter({ safetensors: st, config: { ...minimal, use_dora: true } }, model)).toThrow(
      /use_dora/,
    );
    expect(() => importPeftAdapter({ safetensors: st, config: { ...minimal, peft_type: 'IA3' } }, model)).toThrow(
      /peft_type/,
    );
    expect(() =>
      importPeftAdapter({ safetensors: st, config: { ...minimal, target_modules: '.*proj' } }, model),
    ).toThrow(/target_modules/);
    expect(() =>
      importPeftAdapter({ safetensors: st, config: { ...minimal, target_modules: ['k_proj'] } }, model),
    ).toThrow(/q_proj, which target_modules/);
    expect(() => importPeftAdapter({ safetensors: st, config: { ...minimal, r: 8 } }, model)).toThrow(
      /shape \[4,8\], expected \[8,8\]/,
    );
    expect(() => importPeftAdapter({ safetensors: st, config: '{"peft_type": ' }, model)).toThrow(
      /adapter_config.json: not valid JSON/,
    );
    expect(() => importPeftAdapter({ safetensors: st, config: minimal }, { ...model, numLayers: 1 })).toThrow(
      /layer 1 but the model has 1/,
    );
    const stray = writeSafetensors({
      'base_model.model.lm_head.lora_A.weight': { dtype: 'F32', shape: [1], data: new Float32Array(1) },
    });
    expect(() => importPeftAdapter({ safetensors: stray, config: minimal }, model)).toThrow(
      /unexpected tensor "base_model.model.lm_head/,
    );
    const half = writeSafetensors({
      'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight': {
        dtype: 'F32',
        shape: [4, 8],
        data: new Float32Array(32),
      },
    });
    expect(() => importPeftAdapter({ safetensors: half, config: minimal }, model)).toThrow(
      /up_proj has lora_B missing/,
    );
  });

  it('reads its own safetensors bytes back as f32', () => {
    const { tensors, metadata } = readSafetensorsF32(pythonStyle('F32'), 'x.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight')!.shape).toEqual([8, 4]);
  });
});

describe('mergeLora', () => {
  it('gives W + s·B A: the merged layer equals base + adapter on any input', () => {
    const adapter = trainedAdapter(['down']);
    const m = adapter.modules[0];
    const s = loraScale(adapter.config);
    const rng = new Rng(2);
    const w = Float32Array.from({ length: m.outFeatures * m.inFeatures }, () => rng.uniform(-1, 1));
    const x = Float32Array.from({ length: 3 * m.inFeatures }, () => rng.uniform(-1, 1));
    const merged = matmulRef(x, mergeLora(w, m, s), 3, m.outFeatures, m.inFeatures);
    const d = { T: 3, inFeatures: m.inFeatures, outFeatures: m.outFeatures, rank: 2, scale: s };
    const separate = loraForwardRef(x, m.a, m.b, matmulRef(x, w, 3, m.outFeatures, m.inFeatures), d).y;
    merged.forEach((v, i) => expect(v).toBeCloseTo(separate[i], 5));
    expect(() => mergeLora(w.subarray(1), m, s)).toThrow(/mergeLora/);
  });

  it('peftAdapterConfig records rsLoRA', () => {
    expect(peftAdapterConfig(loraConfig({ rank: 4, rslora: true }), 'b').use_rslora).toBe(true);
  });
});
