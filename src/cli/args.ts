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
