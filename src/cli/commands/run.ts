// `primer run NOTEBOOK.md [--set key=value ...] [--set cell.key=value ...] [--out DIR] [--trust]`: runs a
// notebook headless with the same runner and cell handlers as the app, on Dawn, with an in-memory
// IndexedDB. Writes every cell's output (outputs.json), every trace (traces.jsonl) and every chart (SVG).
// Progress goes to stderr while a cell runs, a summary line per cell to stdout. --trust lets js cells run: they
// run in this process with the user's rights (files, network), so only for a notebook whose code was read.
import 'fake-indexeddb/auto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createHandlers } from '../../app/handlers/index.ts';
import { LocalEngine } from '../../app/localEngine.ts';
import { asCellOutput } from '../../app/outputs.ts';
import { chartToSvg } from '../../charts/svg.ts';
import { parseNotebook } from '../../notebook/format.ts';
import { NotebookRunner, storeOutputs, type CellState } from '../../notebook/runner.ts';
import { primerCells, type Notebook } from '../../notebook/types.ts';
import { Store } from '../../store/db.ts';
import type { JsonValue } from '../../store/schema.ts';
import { tracesBy } from '../../store/traces.ts';
import { parseCommand, type CommandSpec } from '../args.ts';
import { RunProgress } from '../runProgress.ts';

/** Applies `--set` values: `name=value` sets a notebook param ($name in cells), `cell.name=value` a cell's param. */
export function applySettings(nb: Notebook, settings: string[]): Notebook {
  const meta = { ...nb.meta, params: { ...(nb.meta.params ?? {}) } };
  const cells = [...nb.cells];
  for (const s of settings) {
    const m = /^([\w-]+)(?:\.([\w-]+))?=(.*)$/.exec(s);
    if (!m) throw new Error(`--set "${s}": write name=value or cell.name=value`);
    const value = parseYaml(m[3]) as JsonValue;
    if (!m[2]) {
      meta.params[m[1]] = value;
      continue;
    }
    const i = cells.findIndex((c) => c.kind !== 'markdown' && c.id === m[1]);
    if (i < 0) throw new Error(`--set "${s}": there is no cell "${m[1]}"`);
    const cell = cells[i];
    if (cell.kind !== 'markdown') cells[i] = { ...cell, params: { ...cell.params, [m[2]]: value }, yaml: undefined };
  }
  return { ...nb, meta, cells };
}

export const spec = {
  summary: "runs a notebook headless with the app's runner and handlers, writing outputs, traces and charts",
  positional: 'NOTEBOOK.md',
  flags: {
    set: {
      type: 'texts',
      placeholder: 'NAME=VALUE',
      help: 'a notebook param (name=value) or a cell field (cell.name=value), in YAML',
    },
    out: {
      type: 'text',
      placeholder: 'DIR',
      help: 'where outputs.json, traces.jsonl and the charts go (default: primer-out/NOTEBOOK)',
    },
    trust: {
      type: 'switch',
      help: "run js cells: in this process, with the user's rights (files, network), so only for code you have read",
    },
  },
} as const satisfies CommandSpec;

/** What a headless run of a notebook leaves: whether every cell completed, each cell's state, and where it wrote. */
export interface NotebookRun {
  /** The notebook as run, its --set values applied. */
  notebook: Notebook;
  ok: boolean;
  outputs: Record<string, CellState>;
  out: string;
}

/** How a notebook is run: its --set values, where its outputs go, whether its js cells may run. */
export interface RunOptions {
  set: string[];
  out?: string;
  trust: boolean;
}

/** Runs a notebook file headless and writes its outputs, traces and charts. */
export async function runNotebookFile(file: string, v: RunOptions): Promise<NotebookRun> {
  const notebook = applySettings(parseNotebook(await readFile(file, 'utf8')), v.set);
  const id = basename(file).replace(/\.md$/, '');
  const out = v.out ?? join('primer-out', id);
  const store = await Store.open({ name: `primer-run-${Date.now()}` });
  const progress = new RunProgress({
    progress: (line) => process.stderr.write(`${line}\n`),
    summary: (line) => console.log(line),
  });
  const runner = new NotebookRunner({
    notebookId: id,
    notebook,
    trusted: v.trust,
    handlers: createHandlers({ store, engine: new LocalEngine(), anthropicBaseURL: process.env.ANTHROPIC_BASE_URL }),
    outputs: storeOutputs(store),
    onChange: (cellId, state) => progress.change(cellId, state),
  });
  await runner.load();
  const ok = await runner.runAll({ force: true });
  await mkdir(out, { recursive: true });
  const outputs: Record<string, CellState> = {};
  const traces: string[] = [];
  for (const cell of primerCells(notebook)) {
    const state = runner.state(cell.id);
    outputs[cell.id] = state;
    const output = asCellOutput(state.value);
    const charts = output?.type === 'chart' ? output.charts : output?.type === 'model' ? (output.charts ?? []) : [];
    for (const [i, chart] of charts.entries())
      await writeFile(join(out, `${cell.id}${charts.length > 1 ? `-${i + 1}` : ''}.svg`), chartToSvg(chart));
    for (const t of await tracesBy(store, 'cell', [id, cell.id])) traces.push(JSON.stringify(t));
  }
  await writeFile(join(out, 'outputs.json'), JSON.stringify(outputs, null, 2));
  await writeFile(join(out, 'traces.jsonl'), traces.join('\n') + (traces.length ? '\n' : ''));
  console.log(`wrote ${out}/outputs.json, ${traces.length} traces and the charts`);
  return { notebook, ok, outputs, out };
}

export async function run(args: string[]): Promise<void> {
  const { values, positional } = parseCommand('run', spec, args);
  const { ok } = await runNotebookFile(positional!, values);
  if (!ok) throw new Error('the notebook stopped at a failed cell (see above)');
}
