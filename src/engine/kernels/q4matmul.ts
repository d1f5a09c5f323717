import { type Bindable, dispatch, joinCode, pipeline, placeholderBuffer } from '../compute.ts';
import { productWork, rowThreads, type DenseWeight, type ProductArgs, type WeightLayout } from './matmul.ts';
import { bindingBytes, checkDims } from './checks.ts';
import { takesTiledGemm, tiledGemm } from './gemmTiled.ts';
import { params } from './params.ts';
import q4Code from './q4matmul.wgsl?raw';
import tileStore from './tileStore.wgsl?raw';

/** An int4 weight in MLC's q4 layout, stored [R, C]: qweight [R, C/8] u32, scales [R, C/32] f32. */
export interface Q4Weight {
  qweight: Bindable;
  scales: Bindable;
}

/** A weight matrix in any form the kernels read. */
export type WeightMatrix = DenseWeight | Q4Weight;

export type Q4MatmulArgs = ProductArgs & Q4Weight;

/** Throws unless the shapes fit the q4 kernels: groups of 32 along the stored rows, X rows of whole octets. */
export function checkQ4Shapes(kernel: string, a: { N: number; K: number; layout?: WeightLayout; x: Bindable }): void {
  const [axis, size] = a.layout === 'KN' ? ['N', a.N] : ['K', a.K];
  if (size % 32 !== 0)
    throw new Error(`${kernel}: ${axis} = ${size} must be a multiple of 32 (q4 groups run along stored rows)`);
  if (a.K % 8 !== 0) throw new Error(`${kernel}: K = ${a.K} must be a multiple of 8`);
  if (bindingBytes(a.x) % 16 !== 0)
    throw new Error(`${kernel}: x's binding (${bindingBytes(a.x)} bytes) must be whole vec4s`);
}

/** Records Y = X dequant(W)ᵀ (+ bias), or Y = X dequant(W) for layout "KN", into `encoder`. */
export function q4Matmul(device: GPUDevice, encoder: GPUCommandEncoder, a: Q4MatmulArgs): void {
  checkDims('q4Matmul', { M: a.M, N: a.N, K: a.K });
  checkQ4Shapes('q4Matmul', a);
  const kn = a.layout === 'KN';
  if (kn && a.wRowBase) throw new Error('q4Matmul: wRowBase applies to "NK" weights only');
  if (takesTiledGemm(device, a.M))
    return tiledGemm(device, encoder, { ...a, w: { format: 'q4', qweight: a.qweight, scales: a.scales } });
  const dims = params(device, [a.M, a.N, a.K, a.bias ? 1 : 0, a.wRowBase ?? 0, { f32: 1 }, 0]);
  const stacked = rowThreads(a.M);
  const pipe = pipeline(device, joinCode(tileStore, q4Code), { W_KN: kn ? 1 : 0, ROW_THREADS: stacked });
  dispatch(
    device,
    encoder,
    pipe,
    [dims, a.bias ?? placeholderBuffer(device), a.y, a.x, a.qweight, a.scales],
    [Math.ceil(a.N / 128), Math.ceil(a.M / (8 * stacked))],
    productWork(a),
  );
}
