// A tiny generated checkpoint loaded onto the test GPU, for generation and training tests.
import { openModel } from '../../src/engine/load/model.ts';
import { memoryModelSource } from '../../src/engine/load/source.ts';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadFromReader, type Quantization } from '../../src/engine/model/gpuWeights.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { testGpu } from './gpu.ts';
import { buildTinyModel, type TinyModelOptions } from './tinyModel.ts';

export async function tinyDecoder(o: Partial<TinyModelOptions> = {}, quant: Quantization = 'f32'): Promise<Decoder> {
  const { device } = await testGpu();
  const tiny = buildTinyModel({ arch: 'qwen2', layout: 'hf', seed: 7, ...o });
  const loaded = await openModel(memoryModelSource(tiny.files));
  return new Decoder(device, await uploadFromReader(device, loaded.weights, quant), new ByteTokenizer(), 'tiny');
}
