// Waiting for a loop's GPU results without spinning a core the GPU needs. Dawn's Node binding settles a mapAsync
// by ticking the device from a setImmediate loop, so the JS thread runs at 100% of a core for as long as a step is
// on the GPU; on a CPU adapter (the emulator family: SwiftShader) that core is one of the few the step itself runs
// on. compute.ts's readBuffer keeps one pacer per buffer read (a loop reads the same one every step: sampled ids,
// a loss), and a loop whose steps take about the same time sleeps on a timer for most of a recent step's duration,
// then reads. The first step is not counted (a prefill, or pipelines compiling), and the sleep follows the shorter of
// the last two steps, so one slow step (a new pipeline) does not make the next one oversleep. A step whose result
// was ready when the sleep ended took at most the sleep: it counts as half of it, so a loop whose steps got shorter
// (rows finished) stops oversleeping within a few steps.

/** The share of a recent step's duration slept before reading (below 1: a step as long as that one still waits). */
const SLEEP_SHARE = 0.8;
/** A read that takes less than this after the sleep found its result ready: the sleep was too long. */
const READY_MS = 1;
/** Steps shorter than this are read at once: a timer's granularity would cost more than the spinning. */
const MIN_STEP_MS = 5;

export class StepPacer {
  private steps = 0;
  private recent: number[] = [];

  /** `sleeps` false reads at once, every time (a real GPU: its own cores run the step, not the JS thread's). */
  constructor(private readonly sleeps: boolean) {}

  /** How long the next read sleeps first, in ms. */
  get sleepMs(): number {
    if (!this.sleeps || this.recent.length < 2) return 0;
    const shortest = Math.min(...this.recent);
    return shortest >= MIN_STEP_MS ? SLEEP_SHARE * shortest : 0;
  }

  /** Runs `read` (a readback of the step just submitted), after sleeping for `sleepMs`. */
  async read<T>(read: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const sleep = this.sleepMs;
    if (sleep > 0) await new Promise((resolve) => setTimeout(resolve, sleep));
    const woke = performance.now();
    const out = await read();
    const end = performance.now();
    const took = sleep > 0 && end - woke < READY_MS ? sleep / 2 : end - start;
    if (this.steps++ > 0) this.recent = [...this.recent, took].slice(-2);
    return out;
  }
}
