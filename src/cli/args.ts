// Every command declares its flags once (type, default, range, help) and parses them with Node's util.parseArgs
// in strict mode: an unknown flag, a value where none is taken, a malformed number or a value out of range is
// refused with the flag's name, and `--help` prints the declaration. Flags that are a cell's fields take the
// cell's declaration (fromField), so the command line and the notebook share one default and one range.
import { parseArgs } from 'node:util';

interface FlagCommon {
  help: string;
  required?: boolean;
}
export type FlagSpec = FlagCommon &
  (
    | { type: 'text'; oneOf?: readonly string[]; default?: string; placeholder?: string }
    | { type: 'number'; min?: number; max?: number; integer?: boolean; default?: number }
    /** Present or absent; it takes no value (`--accuracy false` is refused, not read as true). */
    | { type: 'switch' }
    /** Given any number of times (e.g. --set). */
    | { type: 'texts'; placeholder?: string }
  );

export interface CommandSpec {
  /** One line: what the command does. */
  summary: string;
  /** The command's one positional argument (e.g. NOTEBOOK.md), if it takes one. */
  positional?: string;
  flags: Readonly<Record<string, FlagSpec>>;
  /** Lines after the flags in --help: inputs, outputs, examples. */
  notes?: readonly string[];
}

/** The raw values given, by flag name (a switch's is 'true'), for helpers that look at a few flags. */
export type Flags = Map<string, string[]>;

type FlagValue<F> = F extends { type: 'number' }
  ? number
  : F extends { type: 'switch' }
    ? boolean
    : F extends { type: 'texts' }
      ? string[]
      : F extends { oneOf: readonly (infer S)[] }
        ? S
        : string;
type Given<F> = F extends { type: 'switch' } | { type: 'texts' } | { required: true } | { default: string | number }
  ? FlagValue<F>
  : FlagValue<F> | undefined;
export type FlagValues<S extends CommandSpec> = { [N in keyof S['flags']]: Given<S['flags'][N]> };

export interface Parsed<S extends CommandSpec> {
  values: FlagValues<S>;
  flags: Flags;
  positional?: string;
}

/** The flags that every training or writing command shares the meaning of. */
export const FORCE: FlagSpec = { type: 'switch', help: 'replace an existing output' };

/** A cell field's declaration (notebook/cells.ts) as a flag: the same type, range, default and help. */
export function fromField<
  const F extends
    | { type: 'number'; help: string; min?: number; max?: number; integer?: boolean; default?: number }
    | { type: 'string'; help: string; oneOf?: readonly string[]; default?: string },
>(field: F): F extends { type: 'number' } ? F : Omit<F, 'type'> & { type: 'text' } {
  const flag = field.type === 'string' ? { ...field, type: 'text' } : field;
  return flag as F extends { type: 'number' } ? F : Omit<F, 'type'> & { type: 'text' };
}

/** A decimal number as people write it: 12, -0.5, 1e-5; not "", "0x10", "Infinity" or "1_000". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberValue(name: string, spec: Extract<FlagSpec, { type: 'number' }>, text: string): number {
  const n = Number(text);
  if (!DECIMAL.test(text.trim()) || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${text}"`);
  if (spec.integer && !Number.isInteger(n)) throw new Error(`--${name} must be a whole number, got "${text}"`);
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
    throw new Error(`--${name} must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}, got ${text}`);
  return n;
}

function value(name: string, spec: FlagSpec, given: string | boolean | string[] | undefined): unknown {
  if (spec.type === 'switch') return given === true;
  if (spec.type === 'texts') return (given as string[] | undefined) ?? [];
  if (given === undefined) {
    if (spec.required) throw new Error(`missing --${name} (${spec.help})`);
    return spec.default;
  }
  const text = given as string;
  if (spec.type === 'number') return numberValue(name, spec, text);
  if (spec.oneOf && !spec.oneOf.includes(text))
    throw new Error(`--${name} must be one of ${spec.oneOf.join(', ')}, got "${text}"`);
  return text;
}

/** The known flag nearest to a mistyped one (at most two edits away), to suggest it. */
function nearest(name: string, known: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  return known
    .map((k) => ({ k, d: distance(name, k) }))
    .sort((x, y) => x.d - y.d)
    .find((x) => x.d <= 2)?.k;
}

/** parseArgs's errors, said in terms of this command's flags. */
function explain(command: string, spec: CommandSpec, args: string[], err: unknown): Error {
  const known = [...Object.keys(spec.flags), 'help'];
  const list = known.map((k) => `--${k}`).join(', ');
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /'(-{1,2}[^']+)'/.exec(message)?.[1]?.replace(/^-+/, '') ?? message;
    const guess = nearest(name, known);
    return new Error(
      `unknown flag --${name}${guess ? ` (did you mean --${guess}?)` : ''}; primer ${command} takes ${list}`,
    );
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
    const before = args[args.indexOf(arg) - 1]?.replace(/^--/, '');
    if (before !== undefined && spec.flags[before]?.type === 'switch')
      return new Error(
        `--${before} takes no value (got "${arg}"): give --${before} alone to turn it on, or leave it out`,
      );
    return new Error(
      `unexpected argument "${arg}": primer ${command} takes ${spec.positional ? `one ${spec.positional} and ` : ''}the flags ${list}`,
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new Error(`${message.replace(/^Option '/, "flag '")}`);
  return err instanceof Error ? err : new Error(message);
}

/** Parses a command's arguments against its declaration; every flag it declares gets its value or default. */
export function parseCommand<S extends CommandSpec>(command: string, spec: S, args: string[]): Parsed<S> {
  const options = Object.fromEntries(
    Object.entries(spec.flags).map(([name, f]) => [
      name,
      { type: f.type === 'switch' ? ('boolean' as const) : ('string' as const), multiple: f.type === 'texts' },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: spec.positional !== undefined });
  } catch (err) {
    throw explain(command, spec, args, err);
  }
  if (spec.positional !== undefined && parsed.positionals.length !== 1)
    throw new Error(
      `primer ${command} takes one ${spec.positional}${parsed.positionals.length ? `, got ${parsed.positionals.join(' ')}` : ''}`,
    );
  const given = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const values = Object.fromEntries(
    Object.entries(spec.flags).map(([name, f]) => [name, value(name, f, given[name])]),
  ) as FlagValues<S>;
  const flags: Flags = new Map(
    Object.entries(given).map(([name, v]) => [name, Array.isArray(v) ? v : [v === true ? 'true' : String(v)]]),
  );
  return { values, flags, positional: parsed.positionals[0] };
}

function takes(spec: FlagSpec): string {
  switch (spec.type) {
    case 'switch':
      return '';
    case 'texts':
      return ` ${spec.placeholder ?? 'TEXT'} (repeatable)`;
    case 'text':
      return ` ${spec.oneOf ? spec.oneOf.join('|') : (spec.placeholder ?? 'TEXT')}`;
    case 'number': {
      const range = spec.min !== undefined && spec.max !== undefined ? `, ${spec.min} to ${spec.max}` : '';
      return ` ${spec.integer ? 'N' : 'X'}${range ? ` (${range.slice(2)})` : ''}`;
    }
  }
}

/** What `primer COMMAND --help` prints: the summary, the usage, and each flag with its values, default and help. */
export function helpText(command: string, spec: CommandSpec): string {
  const lines = Object.entries(spec.flags).map(([name, f]) => {
    const head = `  --${name}${takes(f)}`;
    const extra = f.required
      ? ' (required)'
      : 'default' in f && f.default !== undefined
        ? ` (default: ${String(f.default)})`
        : '';
    return `${head}\n      ${f.help}${extra}`;
  });
  return [
    `primer ${command}: ${spec.summary}`,
    '',
    `usage: primer ${command}${spec.positional ? ` ${spec.positional}` : ''} [flags]`,
    '',
    'flags:',
    ...lines,
    '  --help\n      print this help',
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    '',
  ].join('\n');
}

/** All of standard input as text (for commands that read a completion from a pipe). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function flag(flags: Flags, name: string): string | undefined {
  return flags.get(name)?.at(-1);
}

export function requireFlag(flags: Flags, name: string): string {
  const v = flag(flags, name);
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}
