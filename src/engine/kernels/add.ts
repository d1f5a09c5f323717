import { dispatch, foldWorkgroups, pipeline, type Bindable } from '../compute.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import code from './add.wgsl?raw';

/** Records the residual add y += x over `count` floats (x must not alias y). */
export function addInPlace(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  a: { x: Bindable; y: Bindable; count: number },
): void {
  checkDims('addInPlace', { count: a.count });
  dispatch(
    device,
    encoder,
    pipeline(device, code),
    [params(device, [a.count]), a.x, a.y],
    foldWorkgroups(Math.ceil(a.count / 64)),
  );
}
