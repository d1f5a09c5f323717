import { type Bindable, dispatch, foldWorkgroups, joinCode, pipeline, placeholderBuffer } from '../compute.ts';
import {
  emulatorBlockRows,
  attentionWork,
  checkHeads,
  keyBound,
  layoutParams,
  resolvedLayout,
  type AttentionLayout,
} from './attention.ts';
import { params } from './params.ts';
import { unrollQuadLoops } from './unrollQuads.ts';
import { attentionFlashBackward } from './attentionFlash.ts';
import { kernelFamily } from '../kernelFamily.ts';
import common from './attentionBackward.wgsl?raw';
import keyValueCode from './attentionBackwardKeyValue.wgsl?raw';
import queryCode from './attentionBackwardQuery.wgsl?raw';

/** The forward's layout (see the stride and offset fields of AttentionLayout). */
export interface AttentionBackwardArgs extends AttentionLayout {
  /** The forward's inputs (after RoPE), in the forward's layout: see the stride and offset fields. */
  q: Bindable;
  k: Bindable;
  v: Bindable; // may be the same buffer as k (and q)
  o: Bindable; // [R, nHeads · headDim], the forward's output
  lse: Bindable; // [nHeads, R], the forward's row log-sum-exp (natural log, scores scaled by 1/√d)
  /** [R, 2] u32 from packedKeys: the rows are whole sequences packed one after another. */
  keys: Bindable;
  dO: Bindable; // [R, nHeads · headDim]
  /** Scratch [nHeads, R]: Δ = rowsum(dO ∘ O), written by the query pass for the key/value pass. */
  delta: Bindable;
  /** Gradients, written in the layout of q, k, v. Leave dV out when k and v share a buffer: dK's holds both. */
  dQ: Bindable;
  dK: Bindable;
  dV?: Bindable;
  /** The longest sequence (default: R). */
  maxKeys?: number;
}

/**
 * Records dQ, dK, dV of causal GQA attention over packed sequences (two passes: query side, then key/value); the
 * gpu family's are flash-attention tiles (attentionFlash.ts).
 */
export function attentionBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: AttentionBackwardArgs): void {
  checkHeads('attentionBackward', a);
  const l = resolvedLayout(a);
  if (!a.dV && l.kColOffset === l.vColOffset) {
    throw new Error('attentionBackward: without dV, k and v must sit at different columns of one buffer');
  }
  if (kernelFamily(device) === 'gpu') return attentionFlashBackward(device, encoder, a);
  const dims = params(device, [...layoutParams(l), a.dV ? 0 : 1, { f32: 1 / Math.sqrt(a.headDim) }]);
  const shared = [dims, a.q, a.k, a.v, a.dO, a.lse, a.keys];
  const rows = emulatorBlockRows(a.headDim);
  const constants = { HEAD_DIM: a.headDim, ROWS: rows };
  const keys = a.maxKeys ?? keyBound(a);
  dispatch(
    device,
    encoder,
    pipeline(device, unrollQuadLoops(joinCode(common, queryCode), a.headDim / 4, rows), constants),
    [...shared, a.o, a.delta, a.dQ],
    foldWorkgroups(Math.ceil((Math.ceil(a.R / rows) * a.nHeads) / 64)),
    attentionWork(a, keys, 6), // S, dP and dQ
  );
  dispatch(
    device,
    encoder,
    pipeline(device, unrollQuadLoops(joinCode(common, keyValueCode), a.headDim / 4, rows), constants),
    [...shared, a.delta, a.dK, a.dV ?? placeholderBuffer(device)],
    foldWorkgroups(Math.ceil((Math.ceil(a.R / rows) * a.nKvHeads) / 64)),
    attentionWork(a, keys, 8), // S, dP, dV and dK
  );
}
