#!/usr/bin/env node
// Starts the TypeScript CLI under tsx with the `?raw` import hooks, wherever it is called from.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    import.meta.resolve('tsx'),
    '--import',
    join(root, 'src/cli/register.mjs'),
    join(root, 'src/cli/main.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', cwd: process.cwd() },
);
process.exit(result.status ?? 1);
