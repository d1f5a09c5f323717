// Batched generation: prefill each prompt into its own KV-cache slot, then decode every unfinished sequence
// together, one token per step. Logits and sampling stay on the GPU; only the B sampled ids come back per step.
// A sequence stops at any of the model's eos ids, at a stop string, at maxTokens, or when the signal aborts.
import type { GenerateRequest, Generation } from '../tasks/types.ts';
import { createStorageBuffer, readU32, uploadBuffer } from './compute.ts';
import { cacheKeys } from './kernels/attention.ts';
import { copyKvSlot, createKvCache, type KvCache } from './kernels/kvcache.ts';
import { packSampleRows, sampleTokens } from './kernels/sample.ts';
import type { Decoder } from './model/decoder.ts';

export type GenerationFinish = Generation['finish'];

type Upload = (data: Uint32Array | Uint8Array) => GPUBuffer;

interface Sequence {
  slot: number;
  ids: number[];
  promptLength: number;
  text: string;
  decode: (ids: number[]) => string;
  finish?: Generation['finish'];
  eosId?: number;
}

export interface GenerateOptions {
  /** Run the base model with the adapter switched off (GRPO's reference policy). */
  useAdapter?: boolean;
  /** Called once per decode step with the rows still running (for progress). */
  onStep?: (step: number, running: number) => void;
}

/** Prompts already tokenized (rows sharing a prompt share its prefill: a GRPO group). */
export async function generateIds(
  model: Decoder,
  prompts: number[][],
  request: Omit<GenerateRequest, 'prompts'>,
  options: GenerateOptions = {},
): Promise<Generation[]> {
  const { device, config } = model;
  const maxPrompt = Math.max(...prompts.map((p) => p.length));
  const maxPos = maxPrompt + request.maxTokens;
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: a prompt is empty');
  if (maxPos > config.maxPositions) {
    throw new Error(
      `generate: prompt (${maxPrompt} tokens) + maxTokens (${request.maxTokens}) exceeds the model's context of ${config.maxPositions}`,
    );
  }
  const cache = createKvCache(device, config.numLayers, prompts.length, maxPos, config.numKvHeads * config.headDim);
  const seqs: Sequence[] = prompts.map((ids, slot) => ({
    slot,
    ids: [...ids],
    promptLength: ids.length,
    text: '',
    decode: model.tokenizer.streamDecoder(),
  }));
  const eos = new Set(config.eosTokenIds);
  const logits = createStorageBuffer(device, prompts.length * config.vocabSize * 4, 'decode logits');
  const sampled = createStorageBuffer(device, prompts.length * 4, 'sampled ids');
  const last = createStorageBuffer(device, prompts.length * config.hiddenSize * 4, 'last hidden');
  // Per-step inputs (ids, positions, key spans, sampling rows) are freed once the step's ids are read back.
  const temps: GPUBuffer[] = [];
  const upload: Upload = (data) => {
    const b = uploadBuffer(device, data);
    temps.push(b);
    return b;
  };
  try {
    prefill(model, cache, seqs, last, options.useAdapter ?? true, upload);
    for (let step = 0; step < request.maxTokens; step++) {
      const running = seqs.filter((s) => !s.finish);
      if (running.length === 0) break;
      if (request.signal?.aborted) {
        for (const s of running) s.finish = 'cancel';
        break;
      }
      const encoder = device.createCommandEncoder();
      // Step 0 samples from the prefill's last hidden rows; later steps run one decode row per sequence.
      const h = step === 0 ? last : decodeRows(model, encoder, cache, running, options.useAdapter ?? true, upload);
      model.recordLogits(encoder, h, logits, running.length);
      const rows = running.map((s) => ({
        temperature: request.temperature,
        topK: request.topK,
        topP: request.topP,
        seed: ((request.seed ?? 0) + s.slot * 7919) >>> 0,
        step,
      }));
      sampleTokens(device, encoder, {
        logits,
        rows: upload(packSampleRows(rows)),
        ids: sampled,
        B: running.length,
        V: config.vocabSize,
      });
      device.queue.submit([encoder.finish()]);
      const ids = await readU32(device, sampled, running.length);
      for (const b of temps.splice(0)) b.destroy();
      running.forEach((s, i) => advance(s, ids[i], eos, request));
      options.onStep?.(step, running.length);
    }
    for (const s of seqs) s.finish ??= 'length';
    return seqs.map((s) => ({
      text: s.text,
      tokens: s.ids.length - s.promptLength,
      tokenIds: s.ids.slice(s.promptLength),
      finish: s.finish!,
      ...(s.eosId !== undefined ? { eosId: s.eosId } : {}),
    }));
  } finally {
    for (const b of [logits, sampled, last, cache.scratch, ...cache.k, ...cache.v, ...temps]) b.destroy();
  }
}

/** Fills each slot's cache with its prompt; identical prompts are prefilled once and copied. Writes each last hidden row. */
function prefill(
  model: Decoder,
  cache: KvCache,
  seqs: Sequence[],
  last: GPUBuffer,
  useAdapter: boolean,
  upload: Upload,
): void {
  const { device, config } = model;
  const D = config.hiddenSize * 4;
  const row = upload(new Uint32Array(config.hiddenSize));
  const done = new Map<string, Sequence>();
  for (const s of seqs) {
    const key = s.ids.join(',');
    const twin = done.get(key);
    const encoder = device.createCommandEncoder();
    if (twin) {
      copyKvSlot(encoder, cache, twin.slot, s.slot, s.promptLength);
      encoder.copyBufferToBuffer(last, twin.slot * D, row, 0, D); // a copy needs two distinct buffers
      encoder.copyBufferToBuffer(row, 0, last, s.slot * D, D);
    } else {
      const T = s.promptLength;
      const h = model.forwardRows(
        encoder,
        {
          R: T,
          ids: upload(Uint32Array.from(s.ids)),
          positions: upload(Uint32Array.from({ length: T }, (_, i) => i)),
          keys: upload(
            cacheKeys(
              Array.from({ length: T }, (_, position) => ({ slot: s.slot, position })),
              cache.maxPos,
            ),
          ),
          maxKeys: T,
          cache,
        },
        useAdapter,
      );
      encoder.copyBufferToBuffer(h, (T - 1) * D, last, s.slot * D, D);
      done.set(key, s);
    }
    device.queue.submit([encoder.finish()]);
  }
}

/** Records one decode row per running sequence: its newest token at the next position. */
function decodeRows(
  model: Decoder,
  encoder: GPUCommandEncoder,
  cache: KvCache,
  running: Sequence[],
  useAdapter: boolean,
  upload: Upload,
): GPUBuffer {
  const positions = running.map((s) => s.ids.length - 1);
  return model.forwardRows(
    encoder,
    {
      R: running.length,
      ids: upload(Uint32Array.from(running.map((s) => s.ids.at(-1)!))),
      positions: upload(Uint32Array.from(positions)),
      keys: upload(
        cacheKeys(
          running.map((s, i) => ({ slot: s.slot, position: positions[i] })),
          cache.maxPos,
        ),
      ),
      maxKeys: Math.max(...positions) + 1,
      cache,
      decodeStep: true,
    },
    useAdapter,
  );
}

function advance(s: Sequence, id: number, eos: Set<number>, request: Omit<GenerateRequest, 'prompts'>): void {
  if (eos.has(id)) {
    s.finish = 'eos';
    s.eosId = id;
    return;
  }
  s.ids.push(id);
  const delta = s.decode(s.ids.slice(s.promptLength));
  if (delta) {
    s.text += delta;
    request.onText?.(s.slot, delta);
  }
  // A stop string may end inside the newest delta: keep the text up to the end of it.
  for (const stop of request.stop ?? []) {
    const at = stop ? s.text.indexOf(stop, Math.max(0, s.text.length - delta.length - stop.length)) : -1;
    if (at >= 0) {
      s.text = s.text.slice(0, at + stop.length);
      s.finish = 'stop';
      return;
    }
  }
}
