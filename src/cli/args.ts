// A tiny flag parser shared by the commands: `--name value`, `--flag` (boolean), repeated flags collect.

export type Flags = Map<string, string[]>;

export function parseFlags(args: string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const name = a.slice(2);
    const next = args[i + 1];
    const value = next !== undefined && !next.startsWith('--') ? (i++, next) : 'true';
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

export function flag(flags: Flags, name: string): string | undefined {
  return flags.get(name)?.at(-1);
}

export function requireFlag(flags: Flags, name: string): string {
  const v = flag(flags, name);
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

export function numberFlag(flags: Flags, name: string, fallback: number): number {
  const v = flag(flags, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
  return n;
}

/** All of standard input as text (for commands that read a completion from a pipe). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An integer flag no smaller than `min`. */
export function integerFlag(flags: Flags, name: string, fallback: number, min = 0): number {
  const n = numberFlag(flags, name, fallback);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer ≥ ${min}, got "${flag(flags, name)}"`);
  return n;
}

/** Refuses flags a command does not take (a typo would otherwise be ignored silently). */
export function checkKnownFlags(flags: Flags, known: readonly string[]): void {
  for (const name of flags.keys()) {
    if (!known.includes(name))
      throw new Error(`unknown flag --${name} (this command takes ${known.map((k) => `--${k}`).join(', ')})`);
  }
}
