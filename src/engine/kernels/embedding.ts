import { dispatch, foldWorkgroups, pipeline, placeholderBuffer, type Bindable } from '../compute.ts';
import { FORMAT_CODE } from './matmul.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './embedding.wgsl?raw';
import type { WeightMatrix } from './q4matmul.ts';

export interface EmbeddingArgs {
  ids: Bindable; // [T] u32, each < V
  /** The table [V, D]: dense (f32, f16 or bf16), or q4 (qweight [V, D/8], scales [V, D/32]). */
  table: WeightMatrix;
  out: Bindable; // [T, D], written
  T: number;
  D: number;
  V: number;
}

/** Records out[t] = table[ids[t]] (widened or dequantized to f32) into `encoder`. */
export function embedding(device: GPUDevice, encoder: GPUCommandEncoder, a: EmbeddingArgs): void {
  checkDims('embedding', { T: a.T, D: a.D, V: a.V });
  const none = placeholderBuffer(device);
  if ('qweight' in a.table && a.D % 32 !== 0)
    throw new Error(`embedding: D = ${a.D} must be a multiple of 32 for a q4 table`);
  const [format, table, qweight, scales] =
    'qweight' in a.table
      ? [3, none, a.table.qweight, a.table.scales]
      : [FORMAT_CODE[a.table.format], a.table.w, none, none];
  const dims = params(device, [a.T, a.D, a.V]);
  dispatch(
    device,
    encoder,
    pipeline(device, code, { FORMAT: format }),
    [dims, a.ids, table, qweight, scales, a.out],
    foldWorkgroups(Math.ceil((a.T * a.D) / 64)),
  );
}
