// Every weight of an f32 model under its Hugging Face name, for full training: a private copy to train (the
// model passed in stays as it was), checkpoints of all weights, and the trained model as Hugging Face files
// (config.json + model.safetensors) that load as a Decoder of its own beside the base, sharing its tokenizer.
import { readF32 } from '../compute.ts';
import { hfTensorShapes, HF_SINGLE } from '../load/hf.ts';
import { openModel } from '../load/model.ts';
import { memoryModelSource } from '../load/source.ts';
import { writeSafetensors, type TensorToWrite } from '../load/safetensorsWriter.ts';
import type { ModelConfig } from '../model/config.ts';
import { Decoder } from '../model/decoder.ts';
import { uploadFromReader, type GpuLayer, type GpuLinear, type GpuWeights } from '../model/gpuWeights.ts';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

const LAYER_TENSOR =
  /^model\.layers\.(\d+)\.(?:(input_layernorm|post_attention_layernorm)|(?:self_attn|mlp)\.(q|k|v|o|gate|up|down)_proj)\.(weight|bias)$/;

function f32Buffer(l: GpuLinear, name: string): GPUBuffer {
  if (l.kind !== 'f32')
    throw new Error(`full training needs f32 weights, but ${name} is ${l.kind}: load the model with quantization f32`);
  return l.w;
}

/** The GPU buffer holding the tensor `name` (a name from hfTensorShapes). */
function bufferOf(w: GpuWeights, name: string): GPUBuffer {
  if (name === 'model.embed_tokens.weight') return f32Buffer(w.embed, name);
  if (name === 'lm_head.weight') return f32Buffer(w.lmHead, name);
  if (name === 'model.norm.weight') return w.finalNorm;
  const m = LAYER_TENSOR.exec(name);
  if (!m) throw new Error(`no weight is named "${name}"`);
  const layer: GpuLayer = w.layers[Number(m[1])];
  if (m[2]) return m[2] === 'input_layernorm' ? layer.inputNorm : layer.postNorm;
  const proj = m[3] as 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';
  if (m[4] === 'weight') return f32Buffer(layer[proj], name);
  const bias = proj === 'q' ? layer.qBias : proj === 'k' ? layer.kBias : proj === 'v' ? layer.vBias : undefined;
  if (!bias) throw new Error(`the model has no ${name}`);
  return bias;
}

/** name -> (GPU buffer, shape) for every tensor a Hugging Face checkpoint of this model holds. */
export function weightBuffers(w: GpuWeights): Map<string, { buffer: GPUBuffer; shape: number[] }> {
  return new Map([...hfTensorShapes(w.config)].map(([name, shape]) => [name, { buffer: bufferOf(w, name), shape }]));
}

export async function downloadWeights(device: GPUDevice, w: GpuWeights): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  for (const [name, { buffer, shape }] of weightBuffers(w)) {
    out.set(name, {
      shape,
      data: await readF32(
        device,
        buffer,
        shape.reduce((a, b) => a * b, 1),
      ),
    });
  }
  return out;
}

/** Overwrites every weight with `tensors`, which must hold exactly the model's tensors and shapes. */
export function writeWeights(device: GPUDevice, w: GpuWeights, tensors: Map<string, NamedTensor>, where: string): void {
  const targets = weightBuffers(w);
  const extra = [...tensors.keys()].find((name) => !targets.has(name));
  if (extra) throw new Error(`${where}: tensor "${extra}" is not a weight of this model`);
  for (const [name, { buffer, shape }] of targets) {
    const t = tensors.get(name);
    if (!t) throw new Error(`${where}: tensor "${name}" is missing`);
    if (t.shape.join() !== shape.join())
      throw new Error(`${where}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
    device.queue.writeBuffer(buffer, 0, Float32Array.from(t.data));
  }
}

/** A Decoder over a GPU copy of `base`'s (f32) weights, sharing its tokenizer; destroy() frees only the copy. */
export function cloneDecoder(base: Decoder, name = `${base.name} (training copy)`): Decoder {
  const { device, weights: w } = base;
  const copies = new Map<GPUBuffer, GPUBuffer>();
  const encoder = device.createCommandEncoder();
  const copy = (b: GPUBuffer): GPUBuffer => {
    let c = copies.get(b);
    if (!c) {
      c = device.createBuffer({ size: b.size, usage: b.usage, label: `${b.label} copy` });
      encoder.copyBufferToBuffer(b, 0, c, 0, b.size);
      copies.set(b, c);
    }
    return c;
  };
  const linear = (l: GpuLinear, what: string): GpuLinear => ({
    kind: 'f32',
    w: copy(f32Buffer(l, what)),
    rows: l.rows,
    cols: l.cols,
  });
  const optional = (b: GPUBuffer | undefined) => (b ? copy(b) : undefined);
  const embed = linear(w.embed, 'the embedding');
  const weights: GpuWeights = {
    config: w.config,
    embed,
    lmHead: w.lmHead === w.embed ? embed : linear(w.lmHead, 'lm_head'), // tied stays tied (one object)
    finalNorm: copy(w.finalNorm),
    invFreq: copy(w.invFreq),
    bytes: w.bytes,
    layers: w.layers.map((l, i) => ({
      inputNorm: copy(l.inputNorm),
      postNorm: copy(l.postNorm),
      q: linear(l.q, `layer ${i} q`),
      k: linear(l.k, `layer ${i} k`),
      v: linear(l.v, `layer ${i} v`),
      o: linear(l.o, `layer ${i} o`),
      gate: linear(l.gate, `layer ${i} gate`),
      up: linear(l.up, `layer ${i} up`),
      down: linear(l.down, `layer ${i} down`),
      qBias: optional(l.qBias),
      kBias: optional(l.kBias),
      vBias: optional(l.vBias),
    })),
  };
  device.queue.submit([encoder.finish()]);
  return new Decoder(device, weights, base.tokenizer, name);
}

/** config.json in transformers' v4 keys, read back by parseModelConfig as `c`. */
export function hfConfigJson(c: ModelConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {
    architectures: [c.arch === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: c.arch,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    vocab_size: c.vocabSize,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tieWordEmbeddings,
    max_position_embeddings: c.maxPositions,
    eos_token_id: c.eosTokenIds,
    torch_dtype: 'float32',
  };
  if (c.bosTokenId !== undefined) json.bos_token_id = c.bosTokenId;
  if (c.ropeScaling) {
    const s = c.ropeScaling;
    json.rope_scaling = {
      rope_type: 'llama3',
      factor: s.factor,
      low_freq_factor: s.lowFreqFactor,
      high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMaxPositions,
    };
  }
  return json;
}

/** The trained model as Hugging Face files: config.json and model.safetensors with every weight in F32. */
export async function fullModelFiles(device: GPUDevice, w: GpuWeights): Promise<Record<string, Uint8Array>> {
  return modelFiles(w.config, await downloadWeights(device, w));
}

/** model.safetensors and config.json of weights already downloaded. */
export function modelFiles(config: ModelConfig, weights: Map<string, NamedTensor>): Record<string, Uint8Array> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of weights) tensors[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return {
    [HF_SINGLE]: writeSafetensors(tensors, { format: 'pt' }),
    'config.json': new TextEncoder().encode(`${JSON.stringify(hfConfigJson(config), null, 2)}\n`),
  };
}

export async function trainedDecoder(base: Decoder, files: Record<string, Uint8Array>, name: string): Promise<Decoder> {
  for (const needed of ['config.json', HF_SINGLE]) {
    if (!files[needed]) throw new Error(`the trained model's files lack ${needed}`);
  }
  const loaded = await openModel(
    memoryModelSource(Object.entries(files).map(([file, bytes]) => ({ name: file, bytes }))),
  );
  const weights = await uploadFromReader(base.device, loaded.weights, 'f32');
  await loaded.weights.close();
  return new Decoder(base.device, weights, base.tokenizer, name);
}
