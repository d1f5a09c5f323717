// Where the commands write, checked before anything is written: an output never replaces an input (the model or
// adapter folder, the file being read), and never replaces an earlier output unless the user passes --force.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { flag, type Flags } from './args.ts';

/** The path with symbolic links resolved as far as it exists, so two spellings of one folder compare equal. */
function canonical(path: string): string {
  const full = resolve(path);
  return existsSync(full) ? realpathSync(full) : full;
}

/** Refuses an --out that is one of the command's inputs. */
export function refuseInputAsOutput(out: string, inputs: Array<[flagName: string, path: string | undefined]>): void {
  for (const [name, path] of inputs) {
    if (path !== undefined && canonical(out) === canonical(path))
      throw new Error(`--out ${out} is the ${name} folder or file being read: write the result somewhere else`);
  }
}

/** A file output: refused when the file exists, unless --force. */
export function checkOutputFile(flags: Flags, out: string, inputs: Array<[string, string | undefined]> = []): void {
  refuseInputAsOutput(out, inputs);
  if (existsSync(out) && statSync(out).isDirectory()) throw new Error(`--out ${out} is a folder; name a file`);
  if (existsSync(out) && !flags.has('force'))
    throw new Error(`--out ${out} already exists: pass --force to replace it`);
}

/**
 * A training output folder: refused when it holds files this command would replace (`owned` matches their
 * names), unless --force, or --resume continues the run that wrote them.
 */
export function checkOutputFolder(flags: Flags, dir: string, owned: (name: string) => boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${dir} is a file; name a folder`);
  if (flags.has('force') || flag(flags, 'resume') !== undefined) return;
  const earlier = readdirSync(dir).filter(owned).sort();
  if (earlier.length > 0)
    throw new Error(
      `--out ${dir} already holds ${earlier.join(', ')} from an earlier run: pass --force to replace them, ` +
        'or --resume CHECKPOINT to continue that run',
    );
}
