import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StepPacer } from '../../src/engine/stepPacer.ts';

/** A readback that resolves `ms` after it is called (fake time). */
const after = (ms: number) => () => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms));

/** Runs one paced read of a step that is on the GPU for `gpuMs` from its submit; returns how long the read took. */
async function step(pacer: StepPacer, gpuMs: number): Promise<number> {
  const start = performance.now();
  const done = start + gpuMs;
  const read = pacer.read(() => after(Math.max(0, done - performance.now()))());
  await vi.runAllTimersAsync();
  await read;
  return performance.now() - start;
}

describe('StepPacer', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('sleeps 0.8 of the shorter of the last two steps, not counting the first', async () => {
    const pacer = new StepPacer(true);
    await step(pacer, 5000); // a prefill: not counted
    expect(pacer.sleepMs).toBe(0);
    await step(pacer, 1000); // pipelines compiling
    expect(pacer.sleepMs).toBe(0); // one step counted is not enough
    await step(pacer, 200);
    expect(pacer.sleepMs).toBeCloseTo(160);
    expect(await step(pacer, 200)).toBeCloseTo(200); // the sleep ends before the step does
    expect(pacer.sleepMs).toBeCloseTo(160);
  });

  it('sleeps much less within a few steps after steps got shorter, and never for steps under 5 ms', async () => {
    const pacer = new StepPacer(true);
    for (const ms of [1000, 100, 100]) await step(pacer, ms);
    expect(pacer.sleepMs).toBeCloseTo(80);
    await step(pacer, 10); // ready when the 80 ms sleep ended: counted as 40
    expect(pacer.sleepMs).toBeCloseTo(32);
    for (let i = 0; i < 4; i++) await step(pacer, 4);
    expect(pacer.sleepMs).toBe(0);
  });

  it('never sleeps when told not to (a real GPU)', async () => {
    const pacer = new StepPacer(false);
    for (const ms of [100, 100, 100]) await step(pacer, ms);
    expect(pacer.sleepMs).toBe(0);
  });
});
