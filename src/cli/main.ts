// `primer <command> [options]`: the engine and the runner on Dawn in Node. Each command is a module in
// commands/ that exports its flags' declaration (`spec`) and `run(args)`; a bad input throws, and the cause is
// printed on one line. `primer COMMAND --help` prints the declaration; `primer --help` lists the commands.
import { readdirSync } from 'node:fs';
import { helpText, type CommandSpec } from './args.ts';

export interface CommandModule {
  spec: CommandSpec;
  run(args: string[]): Promise<void>;
}

export function commandNames(): string[] {
  const dir = new URL('./commands/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const asksHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

/** `primer --help`: every command with its one-line summary. */
async function overview(names: string[]): Promise<string> {
  const lines = await Promise.all(
    names.map(
      async (name) => `  ${name.padEnd(12)}${((await import(`./commands/${name}.ts`)) as CommandModule).spec.summary}`,
    ),
  );
  return ['usage: primer <command> [flags]   (primer <command> --help lists its flags)', '', ...lines, ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const names = commandNames();
  if (name === undefined || name === 'help' || asksHelp([name])) {
    process[name === undefined ? 'stderr' : 'stdout'].write(await overview(names));
    return name === undefined ? 2 : 0;
  }
  if (!names.includes(name)) throw new Error(`unknown command "${name}" (known: ${names.join(', ')})`);
  const command = (await import(`./commands/${name}.ts`)) as CommandModule;
  if (asksHelp(rest)) process.stdout.write(helpText(name, command.spec));
  else await command.run(rest);
  return 0;
}

/** Resolves once everything written so far to `stream` has reached the OS (a pipe may still be draining). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// process.exit drops what a pipe has not taken yet, and Dawn's device keeps the event loop alive, so
// exit explicitly but only after stdout and stderr have drained.
async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    console.error(`primer: ${err instanceof Error ? err.message : String(err)}`);
    return exitAfterFlush(1);
  },
);
