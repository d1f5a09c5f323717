import {
  type Bindable,
  dispatch,
  foldWorkgroups,
  joinCode,
  pipeline,
  placeholderBuffer,
  scratchBuffer,
} from '../compute.ts';
import { productWork } from './matmul.ts';
import { bindingBytes, checkDims } from './checks.ts';
import { kernelFamily } from '../kernelFamily.ts';
import { tiledGemm } from './gemmTiled.ts';
import { params } from './params.ts';
import { columnSum } from './columnSum.ts';
import code from './linearWeightBackward.wgsl?raw';
import epilogue from './gemmEpilogue.wgsl?raw';
import slicesCode from './gemmSlices.wgsl?raw';

/** Workgroups an emulator weight gradient launches at least (token slices make up for few blocks), for the cores. */
const MIN_WORKGROUPS = 16;
/** Tokens a slice covers at least, so the partials' extra traffic stays small. */
const MIN_SLICE_TOKENS = 64;

export interface LinearWeightBackwardArgs {
  dy: Bindable; // [M, N]
  x: Bindable; // [M, K], the layer's input
  dw: Bindable; // [N, K], accumulated
  M: number;
  N: number;
  K: number;
  /** Multiplies the increment (default 1). */
  scale?: number;
}

/** Records dW[N, K] += scale · dyᵀ x: the weight gradient of y = x Wᵀ (full training, and LoRA's A and B). */
export function linearWeightBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: LinearWeightBackwardArgs): void {
  checkDims('linearWeightBackward', { M: a.M, N: a.N, K: a.K });
  // gpu family: dW [N, K] = dyᵀ [N, M] · x [M, K], a tiled product reducing over tokens (split where dW is thin).
  if (kernelFamily(device) === 'gpu') {
    const w = { format: 'f32' as const, w: a.x };
    const product = { x: a.dy, aTransposed: true, w, layout: 'KN' as const, y: a.dw, M: a.N, N: a.K, K: a.M };
    return tiledGemm(device, encoder, { ...product, scale: a.scale, accumulate: true });
  }
  const dyVec4 = a.N % 4 === 0 && bindingBytes(a.dy) % 16 === 0;
  const xVec4 = a.K % 4 === 0 && bindingBytes(a.x) % 16 === 0;
  const none = placeholderBuffer(device);
  const workgroups = Math.ceil((Math.ceil(a.N / 8) * Math.ceil(a.K / 8)) / 64);
  const wanted = Math.min(Math.ceil(MIN_WORKGROUPS / workgroups), Math.ceil(a.M / MIN_SLICE_TOKENS));
  const mSlice = Math.ceil(a.M / Math.max(1, wanted));
  const slices = Math.ceil(a.M / mSlice);
  const sliced = slices > 1;
  const target = sliced ? scratchBuffer(device, 'weight-gradient-slices', slices * a.N * a.K * 4) : a.dw;
  dispatch(
    device,
    encoder,
    pipeline(device, code, { DY_VEC4: dyVec4 ? 1 : 0, X_VEC4: xVec4 ? 1 : 0, SLICED: sliced ? 1 : 0 }),
    [
      params(device, [a.M, a.N, a.K, { f32: a.scale ?? 1 }, mSlice]),
      a.dy,
      dyVec4 ? a.dy : none,
      a.x,
      xVec4 ? a.x : none,
      target,
    ],
    [...foldWorkgroups(workgroups), slices],
    productWork(a),
  );
  if (!sliced) return;
  // dW (an [N, K] "Y") += scale · Σ slices, with gemmSlices' epilogue: no bias, accumulating.
  const sums = params(device, [a.N, a.K, a.M, 0, 0, { f32: a.scale ?? 1 }, 1, mSlice, slices]);
  dispatch(
    device,
    encoder,
    pipeline(device, joinCode(epilogue, slicesCode)),
    [sums, none, a.dw, target],
    foldWorkgroups(Math.ceil((a.N * a.K) / 256)),
  );
}

/** Records db[N] += Σ_m dy[m, :]: the bias gradient of y = x Wᵀ + b. */
export function linearBiasBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  a: { dy: Bindable; db: Bindable; M: number; N: number },
): void {
  columnSum(device, encoder, { a: a.dy, out: a.db, T: a.M, C: a.N });
}
