import { dispatch, pipeline, placeholderBuffer, type Bindable } from '../compute.ts';
import code from './matmul.wgsl?raw';
import { params } from './params.ts';

/** How a weight is stored: "NK" = [N, K] (a linear layer's [out, in]); "KN" = [K, N]. */
export type WeightLayout = 'NK' | 'KN';

export interface MatmulArgs {
  x: Bindable; // [M, K]
  w: Bindable; // [N, K] for "NK", [K, N] for "KN"
  bias?: Bindable; // [N]
  y: Bindable; // [M, N], written
  M: number;
  N: number;
  K: number;
  /** Default "NK": Y = X Wᵀ. "KN": Y = X W, e.g. dx = dy W of a layer whose W is [out = K, in = N]. */
  layout?: WeightLayout;
  /** "NK" only: first row of W to use, so Y = X W[base : base + N]ᵀ (a vocabulary chunk). */
  wRowBase?: number;
}

const TILE_M = 64;
const TILE_N = 128;

/** Bytes a binding covers. */
export function bindingBytes(b: Bindable): number {
  if (!('buffer' in b)) return b.size;
  return b.size ?? b.buffer.size - (b.offset ?? 0);
}

export function checkDims(kernel: string, dims: Record<string, number>): void {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${kernel}: ${name} = ${value} must be a positive integer`);
  }
}

/** Records Y = X Wᵀ (+ bias), or Y = X W for layout "KN", into `encoder`. */
export function matmulF32(device: GPUDevice, encoder: GPUCommandEncoder, a: MatmulArgs): void {
  checkDims('matmulF32', { M: a.M, N: a.N, K: a.K });
  const kn = a.layout === 'KN';
  if (kn && a.wRowBase) throw new Error('matmulF32: wRowBase applies to "NK" weights only');
  // Quads along K (and along N for "KN") must not straddle rows, and the vec4 views must cover whole ranges.
  const vec4 =
    a.K % 4 === 0 && (!kn || a.N % 4 === 0) && bindingBytes(a.x) % 16 === 0 && bindingBytes(a.w) % 16 === 0;
  const none = placeholderBuffer(device);
  const dims = params(device, [a.M, a.N, a.K, a.bias ? 1 : 0, a.wRowBase ?? 0]);
  const pipe = pipeline(device, code, { W_KN: kn ? 1 : 0, VEC4: vec4 ? 1 : 0 });
  dispatch(device, encoder, pipe, [dims, a.x, vec4 ? a.x : none, a.w, vec4 ? a.w : none, a.bias ?? none, a.y], [
    Math.ceil(a.N / TILE_N),
    Math.ceil(a.M / TILE_M),
  ]);
}
