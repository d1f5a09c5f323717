// What a job is made of, read from a notebook: the prime and/or rl cell to run, their settings (the cell's,
// else the paper's, per the mapping table), the base model, the priming traces and the RL problems.
import { resolveParams } from '../notebook/validate.ts';
import { primerCells, type Cell, type Notebook } from '../notebook/types.ts';
import { taskNamed } from '../tasks/registry.ts';
import { renderPrompt, type PromptTemplate, type Task } from '../tasks/task.ts';
import type { CountdownProblem } from '../tasks/types.ts';
import { rowsOf, type Settings, type TrainKind, type Value } from './mapping.ts';

export type Engine = 'verl' | 'trl';
export const ENGINES: readonly Engine[] = ['verl', 'trl'];

export interface PrimingExample {
  prompt: string;
  completion: string;
  /** Where known, the prompt is rendered again from it under the prime cell's task, as the cell trains on. */
  problem?: CountdownProblem;
}

export interface Stage<T> {
  cellId: string;
  settings: Settings;
  /** Fields the cell left out, so they took the paper's value. */
  fromPaper: string[];
  data: T;
}

/** The RL problems are drawn only when the files are written: a paper-sized job has 64,000 of them. */
export interface RlData {
  task: Task<CountdownProblem>;
  train: () => CountdownProblem[];
  test: () => CountdownProblem[];
  template: PromptTemplate;
}

export interface JobPlan {
  engine: Engine;
  notebookTitle: string;
  /** The cell the job was exported from. */
  cellId: string;
  /** Hugging Face repo of the base model. */
  model: string;
  gpus: number;
  /** The exported cell's task: its prompts, problems and reward. */
  task: Task<CountdownProblem>;
  prime?: Stage<{ train: PrimingExample[]; val: PrimingExample[] }>;
  rl?: Stage<RlData>;
}

export interface PlanOptions {
  engine: Engine;
  cellId?: string;
  model?: string;
  gpus?: number;
  /** The traces of a dataset cell: from the store in the app, built or read from a file on the command line. */
  datasetOf: (cell: Cell, params: Settings) => Promise<PrimingExample[]>;
}

function cellById(notebook: Notebook, id: string): Cell {
  const cell = primerCells(notebook).find((c) => c.id === id);
  if (!cell) throw new Error(`this notebook has no cell "${id}"`);
  return cell;
}

function scalar(cell: Cell, field: string, value: unknown): Value {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as Value;
  throw new Error(`cell "${cell.id}": "${field}" must be a single value to export`);
}

/** The cell's value for each mapped field, or the paper's where it is silent. */
export function resolveSettings(kind: TrainKind, params: Record<string, unknown>, cell: Cell): Stage<null> {
  const settings: Settings = { kind };
  const fromPaper: string[] = [];
  for (const row of rowsOf(kind)) {
    const given = params[row.field];
    if (given === undefined) fromPaper.push(row.field);
    settings[row.field] = given === undefined ? row.paper : scalar(cell, row.field, given);
  }
  return { cellId: cell.id, settings, fromPaper, data: null };
}

function params(notebook: Notebook, cell: Cell): Record<string, unknown> {
  return resolveParams(cell, notebook.meta);
}

/** The task a cell names (`task:`), Countdown where it names none. */
function taskOf(p: Record<string, unknown>): Task<CountdownProblem> {
  return taskNamed(typeof p.task === 'string' ? p.task : 'countdown');
}

/** The hub repo behind a model / prime / rl cell, following prime and rl cells back to their model cell. */
function hubModel(notebook: Notebook, cell: Cell): string | undefined {
  const p = params(notebook, cell);
  if (cell.kind === 'model') return p.source === 'hub' && typeof p.name === 'string' ? p.name : undefined;
  return typeof p.model === 'string' ? hubModel(notebook, cellById(notebook, p.model)) : undefined;
}

function defaultCell(notebook: Notebook): Cell {
  const cells = primerCells(notebook);
  const cell = cells.findLast((c) => c.kind === 'rl') ?? cells.findLast((c) => c.kind === 'prime');
  if (!cell) throw new Error('this notebook has no prime or rl cell to export');
  return cell;
}

async function primeStage(notebook: Notebook, cell: Cell, options: PlanOptions): Promise<JobPlan['prime']> {
  const p = params(notebook, cell);
  const stage = resolveSettings('prime', p, cell);
  if (typeof p.dataset !== 'string') throw new Error(`prime cell "${cell.id}" names no dataset`);
  const datasetCell = cellById(notebook, p.dataset);
  const task = taskOf(p);
  // A chat prompt needs the model's own chat template, which the cluster applies: those prompts stay as stored.
  const rendered = (e: PrimingExample): PrimingExample =>
    e.problem && p.template !== 'chat' ? { ...e, prompt: renderPrompt(task, e.problem, 'base') } : e;
  const examples = (await options.datasetOf(datasetCell, params(notebook, datasetCell) as Settings)).map(rendered);
  if (examples.length < 2)
    throw new Error(`dataset "${datasetCell.id}" has ${examples.length} traces; a job needs 2 or more`);
  // The paper held out 200 of 1,200; keep the same one-in-six for validation.
  const val = Math.max(1, Math.round(examples.length / 6));
  return { ...stage, data: { train: examples.slice(0, -val), val: examples.slice(-val) } };
}

function rlStage(notebook: Notebook, cell: Cell, prime: JobPlan['prime']): JobPlan['rl'] {
  const p = params(notebook, cell);
  const stage = resolveSettings('rl', p, cell);
  const s = stage.settings;
  // A cell that continues a LoRA-primed model trains that adapter's rank.
  if (p.rank === undefined && prime?.settings.method === 'lora') {
    s.rank = prime.settings.rank;
    stage.fromPaper = stage.fromPaper.filter((f) => f !== 'rank');
  }
  const seed = Number(s.seed);
  const task = taskOf(p);
  return {
    ...stage,
    data: {
      task,
      train: () => task.problems('train', Number(s.steps) * Number(s.prompts), seed),
      test: () => task.problems('test', Number(s.eval_problems), seed),
      template: p.template === 'chat' ? 'chat' : 'base',
    },
  };
}

export async function planJob(notebook: Notebook, options: PlanOptions): Promise<JobPlan> {
  const cell = options.cellId ? cellById(notebook, options.cellId) : defaultCell(notebook);
  if (cell.kind !== 'prime' && cell.kind !== 'rl')
    throw new Error(`cell "${cell.id}" is a ${cell.kind} cell; export a prime or rl cell`);
  const modelRef = params(notebook, cell).model;
  const source = typeof modelRef === 'string' ? cellById(notebook, modelRef) : undefined;
  const model = options.model ?? hubModel(notebook, cell);
  if (!model)
    throw new Error(`cell "${cell.id}" has no Hugging Face model behind it (a scratch model?): pass --model HF_REPO`);
  const gpus = options.gpus ?? 8;
  if (!Number.isInteger(gpus) || gpus < 1) throw new Error(`--gpus must be a whole number ≥ 1, got ${gpus}`);
  const primeCell = cell.kind === 'prime' ? cell : source?.kind === 'prime' ? source : undefined;
  const prime = primeCell ? await primeStage(notebook, primeCell, options) : undefined;
  return {
    engine: options.engine,
    notebookTitle: typeof notebook.meta.title === 'string' ? notebook.meta.title : 'notebook',
    cellId: cell.id,
    model,
    gpus,
    task: taskOf(params(notebook, cell)),
    prime,
    rl: cell.kind === 'rl' ? rlStage(notebook, cell, prime) : undefined,
  };
}
