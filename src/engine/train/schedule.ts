// Learning-rate schedules, as a pure function of the optimizer step, so a resumed run recomputes the same lr.
// `step` counts optimizer steps already taken (0 for the first update). Warmup is linear from lr/W at the first
// step to lr at step W − 1 (Hugging Face's starts at 0, which wastes the first step).

export type LrSchedule =
  | { kind: 'constant'; lr: number }
  | { kind: 'warmup'; lr: number; warmupSteps: number }
  | { kind: 'cosine'; lr: number; warmupSteps: number; totalSteps: number; floor: number };

/** The learning rate for the update after `step` updates. `floor` is a fraction of lr (0, or 0.1 for 10%). */
export function learningRate(schedule: LrSchedule, step: number): number {
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`schedule: step must be a non-negative integer, got ${step}`);
  if (schedule.kind === 'constant') return schedule.lr;
  const { lr, warmupSteps } = schedule;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  if (schedule.kind === 'warmup') return lr;
  const span = Math.max(1, schedule.totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  const floor = lr * schedule.floor;
  return floor + (lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** Checks a schedule's fields, naming the bad one. */
export function validateSchedule(schedule: LrSchedule): LrSchedule {
  const bad = (field: string, value: unknown) =>
    new Error(`schedule (${schedule.kind}): "${field}" is invalid: ${JSON.stringify(value)}`);
  if (!(schedule.lr > 0) || !Number.isFinite(schedule.lr)) throw bad('lr', schedule.lr);
  if (schedule.kind === 'constant') return schedule;
  if (!Number.isInteger(schedule.warmupSteps) || schedule.warmupSteps < 0)
    throw bad('warmupSteps', schedule.warmupSteps);
  if (schedule.kind === 'warmup') return schedule;
  if (!Number.isInteger(schedule.totalSteps) || schedule.totalSteps < schedule.warmupSteps)
    throw bad('totalSteps', schedule.totalSteps);
  if (!(schedule.floor >= 0 && schedule.floor <= 1)) throw bad('floor', schedule.floor);
  return schedule;
}
