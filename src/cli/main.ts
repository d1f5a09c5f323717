// `primer <command> [options]`: the engine and the runner on Dawn in Node. Each command is a module in
// commands/ that exports `run(args)`; a bad input throws, and the cause is printed on one line.
import { readdirSync } from 'node:fs';

interface CommandModule {
  run(args: string[]): Promise<void>;
}

function commandNames(): string[] {
  const dir = new URL('./commands/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const names = commandNames();
  if (!name || !names.includes(name)) {
    console.error(`usage: primer <${names.join('|')}> [options]`);
    process.exit(2);
  }
  const command = (await import(`./commands/${name}.ts`)) as CommandModule;
  await command.run(rest);
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
  () => exitAfterFlush(0),
  (err: unknown) => {
    console.error(`primer: ${err instanceof Error ? err.message : String(err)}`);
    return exitAfterFlush(1);
  },
);
