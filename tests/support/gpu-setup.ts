// Fails a gpu test whose kernels raised WebGPU errors: those are silent unless someone listens.
import { afterEach, expect } from 'vitest';
import { testGpu, takeGpuErrors } from './gpu.ts';

afterEach(async () => {
  const { device } = await testGpu();
  await device.queue.onSubmittedWorkDone();
  expect(takeGpuErrors()).toEqual([]);
});
