// Joins the logs of scripts/gpu-check.sh into one JSON object on stdout: each step's exit status and seconds,
// each bench's last-line JSON (its figures), and the tail of any log whose step failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [logs, notebookSizes] = process.argv.slice(2);
const read = (file) => readFileSync(join(logs, file), 'utf8').trim();
const report = { date: new Date().toISOString(), notebook_00_sizes: notebookSizes, steps: {} };
for (const file of readdirSync(logs).filter((f) => f.endsWith('.status'))) {
  const name = file.slice(0, -'.status'.length);
  const status = Number(read(file));
  const step = { status, seconds: Number(read(`${name}.seconds`)) };
  const log = existsSync(join(logs, `${name}.log`)) ? read(`${name}.log`).split('\n') : [];
  if (name.startsWith('bench-')) {
    try {
      step.figures = JSON.parse(log.at(-1) ?? '');
    } catch {
      step.figures = null;
    }
  }
  if (status !== 0) step.log_tail = log.slice(-20).join('\n');
  report.steps[name] = step;
}
console.log(JSON.stringify(report, null, 2));
