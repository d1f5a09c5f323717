// Gradient clipping: the global sum of squares of many buffers (for the gradient norm), and scaling every
// buffer in place by the clip factor. (Gradient accumulation y += x is add.ts's addInPlace.)
import { type Bindable, createStorageBuffer, dispatch, foldWorkgroups, joinCode, pipeline } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import { kernelFamily } from '../kernelFamily.ts';
import clipCode from './clipByNorm.wgsl?raw';
import sumCode from './sumOfSquares.wgsl?raw';
import reduceCode from './reduce.wgsl?raw';

/** A gradient buffer and how many f32 values of it count. */
export interface GradientBuffer {
  buffer: Bindable;
  count: number;
}

const MAX_PARTIALS_PER_BUFFER = 64;

/** Workgroups of stage 1 for a buffer: enough to spread the work, few enough that stage 2 is one workgroup. */
function partialsFor(count: number): number {
  return Math.max(1, Math.min(MAX_PARTIALS_PER_BUFFER, Math.ceil(count / 4096)));
}

/** Records out[0] = Σ over all buffers of Σ x² (one f32, left on the GPU). */
export function sumOfSquares(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  buffers: readonly GradientBuffer[],
  out: Bindable,
): void {
  buffers.forEach((b, i) => checkDims('sumOfSquares', { [`buffers[${i}].count`]: b.count }));
  // Stage 1's threads per workgroup and per partial (sumOfSquares.wgsl): the emulator's write one partial each.
  const stage1 = kernelFamily(device) === 'emulator' ? { WG: 64, SEGMENT: 1 } : { WG: 256, SEGMENT: 256 };
  const perWorkgroup = stage1.WG / stage1.SEGMENT;
  const workgroups = buffers.map((b) => partialsFor(b.count));
  const total = workgroups.reduce((a, b) => a + b, 0) * perWorkgroup;
  const partials = createStorageBuffer(device, 4 * total, 'sumOfSquares partials');
  const code = joinCode(reduceCode, sumCode);
  const pipe = pipeline(device, code, stage1);
  let next = 0;
  buffers.forEach((b, i) => {
    dispatch(device, encoder, pipe, [params(device, [b.count, next, 1]), b.buffer, partials], [workgroups[i]]);
    next += workgroups[i] * perWorkgroup;
  });
  const stage2 = pipeline(device, code, { WG: 256, SEGMENT: 256 });
  dispatch(device, encoder, stage2, [params(device, [next, 0, 0]), partials, out], [1]);
}

/** Records x *= min(1, maxNorm / (√sumOfSquares[0] + 1e-6)) for every buffer. */
export function clipByGlobalNorm(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  buffers: readonly GradientBuffer[],
  sumOfSquaresBuffer: Bindable,
  maxNorm: number,
): void {
  const pipe = pipeline(device, clipCode);
  for (const b of buffers) {
    const dims = params(device, [b.count, { f32: maxNorm }]);
    dispatch(device, encoder, pipe, [dims, sumOfSquaresBuffer, b.buffer], foldWorkgroups(Math.ceil(b.count / 256)));
  }
}
