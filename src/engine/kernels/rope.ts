import { type Bindable, dispatch, foldWorkgroups, joinCode, pipeline } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './rope.wgsl?raw';
import sinCos from './sinCos.wgsl?raw';

/** Which rows and heads RoPE turns, and where the heads sit in a row (shared with the CPU twin). */
export interface RopeLayout {
  T: number;
  nHeads: number;
  headDim: number;
  /** Floats per row of x (default nHeads · headDim). */
  rowStride?: number;
  /** Column of x where head 0 starts (default 0), e.g. k inside a fused qkv row. */
  colOffset?: number;
  /** Turn by the negative angle: RoPE's backward. */
  inverse?: boolean;
}

export interface RopeArgs extends RopeLayout {
  x: Bindable; // [T, rowStride], turned in place
  positions: Bindable; // [T] u32
  invFreq: Bindable; // [headDim / 2] f32
}

/** Records the in-place rotate-half RoPE of nHeads heads per row into `encoder`. */
export function rope(device: GPUDevice, encoder: GPUCommandEncoder, a: RopeArgs): void {
  checkDims('rope', { T: a.T, nHeads: a.nHeads, headDim: a.headDim });
  if (a.headDim % 2 !== 0) throw new Error(`rope: headDim ${a.headDim} must be even`);
  const rowStride = a.rowStride ?? a.nHeads * a.headDim;
  const colOffset = a.colOffset ?? 0;
  if (colOffset + a.nHeads * a.headDim > rowStride) {
    throw new Error(`rope: heads end at column ${colOffset + a.nHeads * a.headDim}, past the row stride ${rowStride}`);
  }
  const dims = params(device, [a.T, a.nHeads, a.headDim, rowStride, colOffset, a.inverse ? 1 : 0]);
  const threads = (a.T * a.nHeads * a.headDim) / 2;
  dispatch(
    device,
    encoder,
    pipeline(device, joinCode(sinCos, code)),
    [dims, a.x, a.positions, a.invFreq],
    foldWorkgroups(Math.ceil(threads / 64)),
  );
}
