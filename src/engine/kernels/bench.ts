// Throughput of the matmul kernels on random operands, for `primer bench`: each figure is the best of
// `reps` timed submits after one warm-up (which compiles the pipeline), so a busy machine under-reports
// rather than over-reports. Compare GEMM figures with measureFmaPeak, GEMV ones with memory bandwidth.
import { createStorageBuffer, uploadBuffer } from '../compute.ts';
import { matmul } from './matmul.ts';
import { gemvRows, q4Gemv } from './q4gemv.ts';
import { q4Matmul } from './q4matmul.ts';

async function bestMs(device: GPUDevice, record: (encoder: GPUCommandEncoder) => void, reps: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i <= reps; i++) {
    const t0 = performance.now();
    const encoder = device.createCommandEncoder();
    record(encoder);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function randomWords(count: number): Uint32Array {
  return Uint32Array.from({ length: count }, () => Math.floor(Math.random() * 0x100000000));
}

function randomFloats(count: number): Float32Array {
  return Float32Array.from({ length: count }, () => Math.random() - 0.5);
}

interface Operands {
  x: GPUBuffer; // [M, K]
  y: GPUBuffer; // [M, N]
  w: GPUBuffer; // [N, K] f32
  qweight: GPUBuffer; // the same shape in q4: codes [N, K/8] and scales [N, K/32]
  scales: GPUBuffer;
}

/** Best milliseconds of `record` over random operands of the shape M, N, K (K a multiple of 32). */
async function timeProduct(
  device: GPUDevice,
  M: number,
  N: number,
  K: number,
  reps: number,
  record: (e: GPUCommandEncoder, o: Operands) => void,
): Promise<number> {
  const o: Operands = {
    x: uploadBuffer(device, randomFloats(M * K)),
    y: createStorageBuffer(device, M * N * 4),
    w: uploadBuffer(device, randomFloats(N * K)),
    qweight: uploadBuffer(device, randomWords((N * K) / 8)),
    scales: uploadBuffer(device, randomFloats((N * K) / 32)),
  };
  try {
    return await bestMs(device, (e) => record(e, o), reps);
  } finally {
    for (const b of Object.values(o)) b.destroy();
  }
}

/** GFLOP/s of Y[M, N] = X[M, K] Wᵀ with f32 W. */
export async function benchMatmulF32(device: GPUDevice, M: number, N: number, K: number, reps = 5): Promise<number> {
  const ms = await timeProduct(device, M, N, K, reps, (e, o) => matmul(device, e, { x: o.x, w: o.w, y: o.y, M, N, K }));
  return (2 * M * N * K) / (ms * 1e6);
}

/** GFLOP/s of the prefill GEMM Y[M, N] = X[M, K] dequant(Wq)ᵀ with q4 W (K a multiple of 32). */
export async function benchQ4Matmul(device: GPUDevice, M: number, N: number, K: number, reps = 5): Promise<number> {
  const ms = await timeProduct(device, M, N, K, reps, (e, o) => q4Matmul(device, e, { ...o, M, N, K }));
  return (2 * M * N * K) / (ms * 1e6);
}

/**
 * GB/s of q4 weight bytes (codes + f32 scales) streamed by a decode step's product for a batch of B rows, through
 * the kernel the engine picks for B (the GEMV, or past gemvRows the GEMM's short tile).
 */
export async function benchQ4Decode(device: GPUDevice, B: number, N: number, K: number, reps = 5): Promise<number> {
  const ms = await timeProduct(device, B, N, K, reps, (e, o) =>
    B <= gemvRows(device) ? q4Gemv(device, e, { ...o, B, N, K }) : q4Matmul(device, e, { ...o, M: B, N, K }),
  );
  return (N * K * (0.5 + 4 / 32)) / (ms * 1e6);
}
