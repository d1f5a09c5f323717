import { createStorageBuffer, dispatch, foldWorkgroups, pipeline } from '../compute.ts';
import { params } from './params.ts';
import { checkQ4Cols, Q4_GROUP, Q4_PER_WORD } from '../quant/q4.ts';
import code from './q4Quantize.wgsl?raw';

export interface GpuQ4 {
  qweight: GPUBuffer;
  scales: GPUBuffer;
  rows: number;
  cols: number;
}

/** Records the quantization of an f32 matrix already on the GPU into new q4 buffers. */
export function q4Quantize(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  w: GPUBuffer,
  rows: number,
  cols: number,
): GpuQ4 {
  checkQ4Cols(cols);
  const groups = (rows * cols) / Q4_GROUP;
  const qweight = createStorageBuffer(device, ((rows * cols) / Q4_PER_WORD) * 4, 'q4 weight');
  const scales = createStorageBuffer(device, groups * 4, 'q4 scales');
  const [x, y] = foldWorkgroups(Math.ceil(groups / 64));
  dispatch(device, encoder, pipeline(device, code), [params(device, [groups, x * 64]), w, qweight, scales], [x, y]);
  return { qweight, scales, rows, cols };
}
