// What an rl cell asks of storage and memory, checked before it starts: every rollout is stored (prompt,
// completion, reward, behaviors), and the run's problems are made in the engine as it reaches them. A cell
// that cannot fit is refused at once with the estimate, instead of failing hours in (or freezing the page).

export interface RlSize {
  steps: number;
  prompts: number;
  group: number;
  maxTokens: number;
}

/** A stored rollout: its prompt (~600 bytes), up to 4 bytes a completion token, and the record's other fields. */
export function rolloutBytes(maxTokens: number): number {
  return 600 + 4 * maxTokens + 400;
}

/** A problem as the engine keeps it while the run reaches it (its numbers, target and a solution). */
export const PROBLEM_BYTES = 120;
/** The most memory the run's problems may take in the engine's Worker. */
export const PROBLEM_MEMORY_LIMIT = 512 * 2 ** 20;

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB`;

/** The problem with an rl cell's size, or null; `freeBytes` is what storage can still take, where known. */
export function rlSizeProblem(size: RlSize, freeBytes?: number): string | null {
  const rollouts = size.steps * size.prompts * size.group;
  const stored = rollouts * rolloutBytes(size.maxTokens);
  const what = `${size.steps.toLocaleString('en-US')} steps × ${size.prompts.toLocaleString('en-US')} problems × ${size.group} solutions`;
  if (freeBytes !== undefined && stored > freeBytes)
    return (
      `this rl cell (${what}) stores ${rollouts.toLocaleString('en-US')} rollouts, about ${mb(stored)}, ` +
      `and this browser's storage has ${mb(freeBytes)} free: lower steps, prompts or group (or max_tokens)`
    );
  const problems = size.steps * size.prompts * PROBLEM_BYTES;
  if (problems > PROBLEM_MEMORY_LIMIT)
    return (
      `this rl cell (${what}) trains on ${(size.steps * size.prompts).toLocaleString('en-US')} problems, about ` +
      `${mb(problems)} of memory (at most ${mb(PROBLEM_MEMORY_LIMIT)}): lower steps or prompts`
    );
  return null;
}

/** What this browser's storage can still take (quota less usage), where it says. */
export async function freeStorageBytes(): Promise<number | undefined> {
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
  return estimate?.quota === undefined ? undefined : estimate.quota - (estimate.usage ?? 0);
}
