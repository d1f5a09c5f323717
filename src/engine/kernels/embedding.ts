import { dispatch, foldWorkgroups, pipeline, placeholderBuffer, type Bindable } from '../compute.ts';
import { checkDims } from './matmul.ts';
import { params } from './params.ts';
import code from './embedding.wgsl?raw';
import type { Q4Weight } from './q4matmul.ts';

export interface EmbeddingArgs {
  ids: Bindable; // [T] u32, each < V
  /** The table [V, D]: f32, or q4 (qweight [V, D/8], scales [V, D/32]). */
  table: { f32: Bindable } | Q4Weight;
  out: Bindable; // [T, D], written
  T: number;
  D: number;
  V: number;
}

/** Records out[t] = table[ids[t]] (dequantized when the table is q4) into `encoder`. */
export function embedding(device: GPUDevice, encoder: GPUCommandEncoder, a: EmbeddingArgs): void {
  checkDims('embedding', { T: a.T, D: a.D, V: a.V });
  const none = placeholderBuffer(device);
  const q4 = 'qweight' in a.table;
  if (q4 && a.D % 32 !== 0) throw new Error(`embedding: D = ${a.D} must be a multiple of 32 for a q4 table`);
  const [table, qweight, scales] = 'qweight' in a.table ? [none, a.table.qweight, a.table.scales] : [a.table.f32, none, none];
  const dims = params(device, [a.T, a.D, a.V]);
  dispatch(device, encoder, pipeline(device, code, { Q4: q4 ? 1 : 0 }), [dims, a.ids, table, qweight, scales, a.out],
    foldWorkgroups(Math.ceil((a.T * a.D) / 64)));
}
