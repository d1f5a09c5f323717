// The memory-bandwidth probe for `primer bench` and the app's GPU benchmark: a streaming copy of a large buffer
// (copyProbe.wgsl), best of a few runs after a warm-up, counted as bytes read plus bytes written per second.
import { createStorageBuffer, dispatch, pipeline, type Bindable } from './compute.ts';
import code from './kernels/copyProbe.wgsl?raw';
import { params } from './kernels/params.ts';

const WORKGROUPS = 1024;

/** Records dst[0 .. count) = src[0 .. count) as vec4s (count in vec4s). */
export function copyVec4(device: GPUDevice, encoder: GPUCommandEncoder, src: Bindable, dst: Bindable, count: number) {
  dispatch(device, encoder, pipeline(device, code), [params(device, [count]), src, dst], [WORKGROUPS]);
}

/** Streams `bytes` (a multiple of 16) through the copy kernel: GB/s of bytes read plus bytes written, best of `runs`. */
export async function measureMemoryBandwidth(device: GPUDevice, bytes = 64 << 20, runs = 3): Promise<number> {
  const src = createStorageBuffer(device, bytes, 'bandwidth probe source');
  const dst = createStorageBuffer(device, bytes, 'bandwidth probe destination');
  const run = async () => {
    const encoder = device.createCommandEncoder();
    copyVec4(device, encoder, src, dst, bytes / 16);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  try {
    await run(); // warm-up: compiles and touches both buffers
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await run();
      best = Math.min(best, performance.now() - t0);
    }
    return (2 * bytes) / (best * 1e6);
  } finally {
    src.destroy();
    dst.destroy();
  }
}
