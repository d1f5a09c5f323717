// `primer logits --model DIR --ids 1,2,3 [--quant none|f16|f32|q4] [--adapter DIR] --out FILE`: the logits of one
// sequence of token ids, written as little-endian float32 [ids, vocab], row-major, for comparison with another
// implementation. Only config.json and the weights are read (no tokenizer). --quant defaults to none: the
// checkpoint's own precision (16-bit weights are widened in the kernels, so the sums are f32 either way).
import { writeFile } from 'node:fs/promises';
import { requestGpu } from '../../engine/gpu.ts';
import { openDecoder } from '../../engine/openDecoder.ts';
import { FORCE, parseCommand, type CommandSpec } from '../args.ts';
import { ADAPTER_FLAG, attachPeftAdapter, MODEL_FLAG, modelDirFlag, quantFlag } from '../modelFlags.ts';
import { checkOutputFile } from '../outputs.ts';

export const spec = {
  summary: 'writes the logits of one sequence of token ids as little-endian float32 [ids, vocab]',
  flags: {
    model: MODEL_FLAG,
    ids: { type: 'text', required: true, placeholder: 'LIST', help: 'the token ids, e.g. 1,2,3' },
    quant: quantFlag('none'),
    adapter: ADAPTER_FLAG,
    out: { type: 'text', required: true, placeholder: 'FILE', help: 'where to write the logits' },
    force: FORCE,
  },
} as const satisfies CommandSpec;

/** "1,2,3" → [1, 2, 3]; each entry must be a non-negative integer (the vocabulary is checked once loaded). */
export function parseIds(text: string): number[] {
  return text.split(',').map((part) => {
    const id = part.trim();
    if (!/^\d+$/.test(id)) throw new Error(`--ids: "${part}" in "${text}" is not a token id (a non-negative integer)`);
    return Number(id);
  });
}

/** The values as little-endian float32 bytes, whatever the host's byte order. */
function littleEndianF32(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

export async function run(args: string[]): Promise<void> {
  const { values: v, flags } = parseCommand('logits', spec, args);
  const ids = parseIds(v.ids);
  const { out, quant: quantization, adapter: adapterDir } = v;
  checkOutputFile(flags, out, [
    ['--model', v.model],
    ['--adapter', adapterDir],
  ]);
  const dir = await modelDirFlag(flags);
  const { device } = await requestGpu();
  const decoder = await openDecoder(device, { source: 'path', dir, quantization, idsOnly: true });
  if (adapterDir !== undefined) console.error(await attachPeftAdapter(decoder, adapterDir));
  const logits = await decoder.logits(ids);
  await writeFile(out, littleEndianF32(logits));
  console.error(`logits [${ids.length}, ${decoder.config.vocabSize}] (${quantization} weights) written to ${out}`);
  decoder.destroy();
  device.destroy();
}
