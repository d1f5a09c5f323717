// Whole-model logits on WebGPU against the plain CPU forward (src/engine/reference/forward.ts), for tiny
// generated Qwen2 and Llama checkpoints in every weight format the loaders read.
import { describe, expect, it } from 'vitest';
import { memoryModelSource } from '../../src/engine/load/source.ts';
import { openModel } from '../../src/engine/load/model.ts';
import { roundTo } from '../../src/engine/load/dtype.ts';
import { linearToF32, readAllWeights, type LinearWeight, type ModelWeights } from '../../src/engine/load/weights.ts';
import { Decoder } from '../../src/engine/model/decoder.ts';
import { uploadFromReader, type Quantization } from '../../src/engine/model/gpuWeights.ts';
import { quantizeQ4 } from '../../src/engine/quant/q4.ts';
import { referenceLogits } from '../../src/engine/reference/forward.ts';
import { ByteTokenizer } from '../../src/engine/tokenizer.ts';
import { buildTinyModel, type TinyModelOptions } from '../support/tinyModel.ts';
import { testGpu } from '../support/gpu.ts';

const IDS = [1, 17, 42, 99, 3, 250, 7, 64, 128, 5, 33];

function q4Of(w: LinearWeight): LinearWeight {
  return w.kind === 'q4' ? w : { kind: 'q4', ...quantizeQ4(linearToF32(w), w.rows, w.cols) };
}

function f16Of(w: LinearWeight): LinearWeight {
  return { kind: 'f32', data: roundTo(linearToF32(w), 'f16'), rows: w.rows, cols: w.cols };
}

/** The weights as the GPU holds them after `quant`: every linear weight (and the embedding) in q4, or in f16. */
function asUploaded(w: ModelWeights, quant: Quantization): ModelWeights {
  if (quant !== 'q4' && quant !== 'f16') return w;
  const of = quant === 'q4' ? q4Of : f16Of;
  return {
    embed: of(w.embed),
    finalNorm: w.finalNorm,
    lmHead: w.lmHead && of(w.lmHead),
    layers: w.layers.map((l) => ({
      ...l,
      q: of(l.q),
      k: of(l.k),
      v: of(l.v),
      o: of(l.o),
      gate: of(l.gate),
      up: of(l.up),
      down: of(l.down),
    })),
  };
}

/** The largest logit error relative to the largest logit, and the GPU bytes the weights took. */
async function gpuVersusReference(o: TinyModelOptions, quant: Quantization): Promise<{ error: number; bytes: number }> {
  const { device } = await testGpu();
  const tiny = buildTinyModel(o);
  const loaded = await openModel(memoryModelSource(tiny.files));
  const reference = await readAllWeights(loaded.weights);
  const weights = await uploadFromReader(device, loaded.weights, quant);
  const decoder = new Decoder(device, weights, new ByteTokenizer(), 'tiny');
  const got = await decoder.logits(IDS);
  const want = referenceLogits(loaded.config, asUploaded(reference, quant), IDS);
  decoder.destroy();
  let maxAbs = 0;
  let maxErr = 0;
  for (let i = 0; i < want.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(want[i]));
    maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
  }
  return { error: maxErr / maxAbs, bytes: weights.bytes };
}

describe('whole-model logits on WebGPU equal the CPU reference', () => {
  for (const arch of ['qwen2', 'llama'] as const) {
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      it(`${arch}, ${dtype} safetensors widened to f32`, async () => {
        expect((await gpuVersusReference({ arch, layout: 'hf', dtype, seed: 3 }, 'f32')).error).toBeLessThan(1e-3);
      });
    }
    for (const dtype of ['bf16', 'f16'] as const) {
      it(`${arch}, ${dtype} safetensors kept 16-bit on the GPU (half the bytes)`, async () => {
        const wide = await gpuVersusReference({ arch, layout: 'hf', dtype, seed: 3, tied: false }, 'f32');
        const kept = await gpuVersusReference({ arch, layout: 'hf', dtype, seed: 3, tied: false }, 'none');
        expect(kept.error).toBeLessThan(1e-5); // the same sums: only the storage differs
        expect(kept.bytes).toBeLessThan(wide.bytes * 0.55);
      });
    }
    it(`${arch}, f32 safetensors rounded to f16 on upload`, async () => {
      const wide = await gpuVersusReference({ arch, layout: 'hf', seed: 7, tied: false }, 'f32');
      const narrow = await gpuVersusReference({ arch, layout: 'hf', seed: 7, tied: false }, 'f16');
      expect(narrow.error).toBeLessThan(1e-5); // against the reference with its weights rounded to f16 too
      expect(narrow.bytes).toBeLessThan(wide.bytes * 0.55);
    });
    it(`${arch}, MLC q4f32_1 shards`, async () => {
      expect((await gpuVersusReference({ arch, layout: 'mlc-q4f32_1', seed: 4 }, 'f32')).error).toBeLessThan(1e-3);
    });
    it(`${arch}, f32 weights quantized to q4 on load (untied head)`, async () => {
      expect((await gpuVersusReference({ arch, layout: 'hf', seed: 5, tied: false }, 'q4')).error).toBeLessThan(1e-3);
    });
    it(`${arch}, bf16 weights quantized to q4 on load`, async () => {
      expect((await gpuVersusReference({ arch, layout: 'hf', dtype: 'bf16', seed: 6 }, 'q4')).error).toBeLessThan(1e-3);
    });
  }
});
