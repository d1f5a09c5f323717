import { createStorageBuffer, dispatch, pipeline } from './compute.ts';
import code from './kernels/fmaProbe.wgsl?raw';

const FLOP_PER_ITER = 64;

/** Measures the adapter's f32 FMA throughput in GFLOP/s: the peak the other kernels are compared with. */
export async function measureFmaPeak(device: GPUDevice, threads = 1 << 16, iters = 2048): Promise<number> {
  const out = createStorageBuffer(device, threads * 16);
  const pipe = pipeline(device, code, { ITERS: iters });
  const run = async () => {
    const encoder = device.createCommandEncoder();
    dispatch(device, encoder, pipe, [out], [threads / 256]);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await run(); // warm-up: compiles and wakes the device
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  out.destroy();
  return (threads * iters * FLOP_PER_ITER) / (best * 1e6);
}
