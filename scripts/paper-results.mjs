// `node scripts/paper-results.mjs [TABLES_DIR] [OUT]`: regenerates src/charts/paperResults.json from the paper's
// published result tables (reference/paper-results, a cited copy of kanishkg/cognitive-behaviors results/, Apache-2.0).
// Keeps, per model and condition, one row per RL step (the first where a table repeats a step).
import { readFileSync, writeFileSync } from 'node:fs';

const dir = process.argv[2] ?? 'reference/paper-results';
const outPath = process.argv[3] ?? 'src/charts/paperResults.json';
const models = { 'qwen2.5-3b': 'qwen_results.csv', 'llama-3.2-3b': 'llama_results.csv' };
const r4 = (x) => (x === undefined || x === '' ? null : Math.round(Number(x) * 1e4) / 1e4);

const out = {};
for (const [model, file] of Object.entries(models)) {
  const [header, ...rows] = readFileSync(`${dir}/${file}`, 'utf8').trim().split('\n');
  const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
  const byCondition = {};
  for (const line of rows) {
    const f = line.split(',');
    const points = (byCondition[f[col.condition]] ??= []);
    const step = Number(f[col.step]);
    if (points.some((p) => p.step === step)) continue;
    points.push({
      step,
      accuracy: r4(f[col.accuracy]),
      verification: r4(f[col.avg_verifications]),
      backtracking: r4(f[col.avg_backtracking]),
      subgoal: r4(f[col.avg_subgoals]),
      backward: r4(f[col.avg_backwards]),
      length: r4(f[col.response_length]),
    });
  }
  for (const points of Object.values(byCondition)) points.sort((a, b) => a.step - b.step);
  out[model] = byCondition;
}
writeFileSync(outPath, JSON.stringify(out) + '\n');
