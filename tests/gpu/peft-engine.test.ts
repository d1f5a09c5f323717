// The PEFT round trip through the engine: a LoRA adapter trained for a few steps, exported as PEFT files and
// imported onto a fresh load of the model gives the trained model's logits exactly. Also for q4 layers, where
// training needs the output matrix kept in f32 (keepOutputF32).
import { describe, expect, it } from 'vitest';
import { openModel } from '../../src/engine/load/model.ts';
import { memoryModelSource } from '../../src/engine/load/source.ts';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { GpuLoraAdapter } from '../../src/engine/lora/gpuAdapter.ts';
import {
  exportPeftAdapter,
  importPeftAdapter,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
} from '../../src/engine/lora/peft.ts';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadFromReader, type Quantization } from '../../src/engine/model/gpuWeights.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { Trainer, type TrainSequence } from '../../src/engine/train/trainer.ts';
import { testGpu } from '../support/gpu.ts';
import { buildTinyModel } from '../support/tinyModel.ts';

const tiny = buildTinyModel({
  arch: 'qwen2',
  layout: 'hf',
  seed: 21,
  hiddenSize: 32,
  intermediateSize: 64,
  numHeads: 2,
  numKvHeads: 1,
});
const PROBE = [4, 60, 61, 200, 13, 99];
const SEQS: TrainSequence[] = [
  [10, 20, 30, 40, 50, 60],
  [7, 8, 9, 10],
].map((ids) => ({ ids, weights: ids.map(() => 0.1) }));

async function load(quant: Quantization, keepOutputF32: boolean): Promise<Decoder> {
  const { device } = await testGpu();
  const loaded = await openModel(memoryModelSource(tiny.files));
  return new Decoder(
    device,
    await uploadFromReader(device, loaded.weights, quant, undefined, { keepOutputF32 }),
    new ByteTokenizer(),
    'tiny',
  );
}

describe('PEFT files through the engine', () => {
  for (const quant of ['f32', 'q4'] as const) {
    it(`a trained adapter, exported and imported onto a fresh ${quant} load, gives identical logits`, async () => {
      const trained = await load(quant, true);
      const trainer = new Trainer(trained, {
        mode: 'lora',
        adapter: initLoraAdapter(tiny.config, loraConfig({ rank: 4, alpha: 8 }), 1),
        maxTokens: 16,
      });
      for (let step = 0; step < 3; step++) {
        trainer.zeroGrads();
        await trainer.microBatch(SEQS);
        await trainer.step(1e-2);
      }
      const want = await trained.logits(PROBE);
      const files = exportPeftAdapter(await trainer.lora!.download(), 'tiny');
      trainer.destroy();
      trained.destroy();

      const fresh = await load(quant, true);
      const base = await fresh.logits(PROBE); // the decoder sizes its buffers before any adapter is attached
      const { adapter } = importPeftAdapter(
        { safetensors: files[PEFT_WEIGHTS_FILE], config: files[PEFT_CONFIG_FILE] },
        fresh.config,
      );
      fresh.lora = GpuLoraAdapter.upload(fresh.device, adapter);
      const got = await fresh.logits(PROBE);
      expect(got).toEqual(want);
      expect(got).not.toEqual(base);
      fresh.destroy();
    });
  }

  it('refuses to train over a q4 output matrix, naming the fix', async () => {
    const model = await load('q4', false);
    expect(
      () =>
        new Trainer(model, {
          mode: 'lora',
          adapter: initLoraAdapter(tiny.config, loraConfig({ rank: 2 }), 1),
          maxTokens: 8,
        }),
    ).toThrow(/f32 output weights/);
    model.destroy();
  });
});
