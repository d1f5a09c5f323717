// Whole-model logits of the two kernel families agree (within 1e-5 of the largest logit) on tiny Qwen2 and
// Llama models in q4 (so decode takes the GEMVs), batch 1 and 16, prefill and a decode step over a KV cache,
// with a LoRA adapter on and off; and in f16 with the adapter on, so the gpu family's tiled GEMM reads packed
// 16-bit weights (batch 16's 176 prefill rows take it; the adapter's products take its f32 form).
import { afterAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/engine/compute.ts';
import { useKernels, type KernelFamily } from '../../src/engine/kernelFamily.ts';
import { cacheKeys } from '../../src/engine/kernels/attention.ts';
import { createKvCache } from '../../src/engine/kernels/kvcache.ts';
import { initLoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { GpuLoraAdapter } from '../../src/engine/lora/gpuAdapter.ts';
import type { Decoder } from '../../src/engine/model/decoder.ts';
import { randomF32, testGpu } from '../support/gpu.ts';
import { tinyDecoder } from '../support/tinyDecoder.ts';
import { relativeError } from '../support/compare.ts';

const PROMPT = 11;

/**
 * Logits of a prefill of `batch` distinct prompts (one slot each, all in one forward: at batch 1 its 11 rows take
 * the gpu family's decode-sized kernels, at 16 its flash attention and tiled GEMM over 176 rows) and of one decode step of all rows.
 */
async function prefillAndDecode(model: Decoder, batch: number): Promise<Float32Array> {
  const { device, config } = model;
  const V = config.vocabSize;
  const maxPos = PROMPT + 1;
  const cache = createKvCache(device, config.numLayers, batch, maxPos, config.numKvHeads * config.headDim);
  const logits = createStorageBuffer(device, PROMPT * batch * V * 4);
  const out: number[] = [];
  const run = async (ids: number[], rows: { slot: number; position: number }[], decodeStep: boolean) => {
    const encoder = device.createCommandEncoder();
    const h = model.forwardRows(encoder, {
      R: ids.length,
      ids: uploadBuffer(device, Uint32Array.from(ids)),
      positions: uploadBuffer(
        device,
        Uint32Array.from(rows, (r) => r.position),
      ),
      keys: uploadBuffer(device, cacheKeys(rows, maxPos)),
      maxKeys: Math.max(...rows.map((r) => r.position)) + 1,
      cache,
      decodeStep,
    });
    model.recordLogits(encoder, h, logits, ids.length);
    device.queue.submit([encoder.finish()]);
    out.push(...(await readF32(device, logits, ids.length * V)));
  };
  const slots = Array.from({ length: batch }, (_, slot) => slot);
  const positions = Array.from({ length: PROMPT }, (_, position) => position);
  await run(
    slots.flatMap((slot) => positions.map((t) => (slot * 37 + t * 11 + 1) % V)),
    slots.flatMap((slot) => positions.map((position) => ({ slot, position }))),
    false,
  );
  await run(
    slots.map((slot) => (slot * 5 + 3) % V),
    slots.map((slot) => ({ slot, position: PROMPT })),
    true,
  );
  for (const b of [logits, cache.scratch, ...cache.k, ...cache.v]) b.destroy();
  return Float32Array.from(out);
}

/** An adapter on every projection whose B is not zero, so it changes the logits. */
function liveAdapter(model: Decoder): GpuLoraAdapter {
  const adapter = initLoraAdapter(model.config, loraConfig({ rank: 4 }), 3);
  adapter.modules.forEach((m, i) => m.b.set(randomF32(m.b.length, 100 + i)));
  return GpuLoraAdapter.upload(model.device, adapter);
}

afterAll(async () => useKernels((await testGpu()).device, 'emulator'));

describe('the gpu and emulator kernel families give the same logits', () => {
  const cases = [
    ...[false, true].map((lora) => ({ quant: 'q4' as const, lora })),
    { quant: 'f16' as const, lora: true },
  ];
  for (const arch of ['qwen2', 'llama'] as const)
    for (const { quant, lora } of cases)
      it(`${arch}, ${quant}, batch 1 and 16, prefill and decode, LoRA ${lora ? 'on' : 'off'}`, async () => {
        const model = await tinyDecoder({ arch }, quant);
        if (lora) model.lora = liveAdapter(model);
        const family = async (kernels: KernelFamily) => {
          useKernels(model.device, kernels);
          return [await prefillAndDecode(model, 1), await prefillAndDecode(model, 16)];
        };
        const [emulator, gpu] = [await family('emulator'), await family('gpu')];
        model.destroy();
        for (let i = 0; i < 2; i++) expect(relativeError(gpu[i], emulator[i])).toBeLessThan(1e-5);
      });
});
