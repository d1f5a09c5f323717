// Debian's python3 for the tests that check the Python files the exporter writes (.ci/run installs it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Runs python3 with arguments (and optional stdin); throws with its stderr when it exits non-zero. */
export function python(args: string[], input?: string): string {
  const result = spawnSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return result.stdout;
}
