// `primer bench`: measured throughput of this machine's WebGPU adapter. The last line printed is one JSON
// object with every figure, so scripts and closing notes can quote it.
import { measureFmaPeak } from '../../engine/fmaProbe.ts';
import { requestGpu } from '../../engine/gpu.ts';

export async function run(_args: string[]): Promise<void> {
  const { device, info } = await requestGpu();
  console.log(`adapter: ${info.vendor} ${info.architecture}${info.isSoftware ? ' (software)' : ''}`);
  const fmaPeak = await measureFmaPeak(device);
  console.log(`f32 FMA peak: ${fmaPeak.toFixed(2)} GFLOP/s`);
  const figures = { adapter: `${info.vendor} ${info.architecture}`, fma_peak_gflops: round(fmaPeak) };
  device.destroy();
  console.log(JSON.stringify(figures));
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
