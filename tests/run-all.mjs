// `npm test`: the three suites in turn (unit, gpu, e2e after a build), then one closing line with the totals,
// "tests: N passed, N failed", which CI reads. Exits non-zero if any suite failed or ran no test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'gpu', 'e2e'];
const reports = join(process.cwd(), 'test-artifacts', 'reports');
mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;
let ok = true;
for (const suite of suites) {
  if (suite === 'e2e' && spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' }).status !== 0) {
    ok = false;
    continue;
  }
  const out = join(reports, `${suite}.json`);
  rmSync(out, { force: true });
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--project', suite, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) ok = false;
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.numTotalTests === 0 ? 1 : 0);
  } catch {
    console.error(`${suite}: vitest wrote no report`);
    failed += 1;
  }
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
