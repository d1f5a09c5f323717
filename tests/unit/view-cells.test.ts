// The fields of table, chart and compare cells do what their declarations say (notebook/cells.ts).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import type { ChartOutput, TracesOutput } from '../../src/app/outputs.ts';
import type { LineChart } from '../../src/charts/spec.ts';
import { fieldsHelp } from '../../src/notebook/fieldHelp.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';

const NOTEBOOK = `---
title: view cells
---

\`\`\`primer dataset
id: data
source: offline
condition: all_strategies
size: 4
\`\`\`

\`\`\`primer table
id: wrong
from: data
columns: [problem, completion]
filter: incorrect
limit: 3
\`\`\`

\`\`\`primer table
id: plain
from: data
\`\`\`

\`\`\`primer chart
id: by-length
from: [data]
y: [accuracy]
x: response_length
\`\`\`

\`\`\`primer compare
id: two
from: [data]
metrics: [accuracy, backtracking]
\`\`\`
`;

async function run() {
  const store = await Store.open({ name: `view-cells-${Math.random()}` });
  const runner = new NotebookRunner({
    notebookId: 'nb',
    notebook: parseNotebook(NOTEBOOK),
    trusted: false,
    handlers: createHandlers({ store }),
    outputs: storeOutputs(store),
  });
  await runner.load();
  expect(await runner.runAll()).toBe(true);
  return runner;
}

describe('view cells', () => {
  it('a table cell carries its columns, filter and limit, and the declared defaults when it says none', async () => {
    const runner = await run();
    expect((runner.state('wrong').value as unknown as TracesOutput).view).toEqual({
      columns: ['problem', 'completion'],
      filter: 'incorrect',
      limit: 3,
    });
    expect((runner.state('plain').value as unknown as TracesOutput).view).toEqual({
      columns: ['problem', 'completion', 'reward', 'behaviors', 'model', 'step'],
      filter: 'all',
      limit: 20,
    });
  });

  it("a chart cell's x puts that metric on the axis", async () => {
    const runner = await run();
    const data = runner.state('data').value as unknown as TracesOutput;
    const chart = (runner.state('by-length').value as unknown as ChartOutput).charts[0] as LineChart;
    expect(chart.xLabel).toBe('response_length');
    expect(chart.series[0].points).toEqual([[data.meanLength, data.accuracy]]);
  });

  it('a compare cell shows only the metrics it names', async () => {
    const runner = await run();
    const out = runner.state('two').value as unknown as ChartOutput & { rows: Record<string, unknown>[] };
    expect(Object.keys(out.rows[0])).toEqual(['run', 'accuracy', 'backtracking']);
    expect(out.charts[0]).toMatchObject({ kind: 'bar', categories: ['Backtracking'] });
  });

  it("the editor's help lists every field of a kind with its range, default and help", () => {
    const sample = fieldsHelp('sample');
    expect(sample.find((f) => f.name === 'temperature')).toEqual({
      name: 'temperature',
      takes: 'number 0 to 2',
      default: '1',
      help: 'sampling temperature (0 = greedy)',
    });
    expect(sample.find((f) => f.name === 'model')?.default).toBe('required');
    expect(sample.map((f) => f.name)).toContain('title');
  });
});
