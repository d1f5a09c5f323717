// The UI-free notebook runner. It runs cells in document order, hands each handler the results of the
// cells it refers to, stores every output as it changes (so a reload shows it again), skips cells whose
// stored output still matches their params, and resumes interrupted cells from their last checkpoint.
//
// Cell states: idle -> running -> done | error | cancelled. A stored 'running' found on load (the tab
// closed, the GPU was lost) becomes 'interrupted'. A done cell whose params or inputs changed is 'stale'.
// 'blocked' (an input failed) and refusals (untrusted js, invalid params) are shown but never stored, so
// they cannot overwrite an earlier result.
import type { OutputRecord, ProgressReport, JsonValue } from '../store/schema.ts';
import { getOutputs, putOutput } from '../store/notebooks.ts';
import type { Store } from '../store/db.ts';
import { fillDefaults } from './cells.ts';
import { stableJson } from './format.ts';
import { cellRefs, resolveParams, validateNotebook, type CellRef, type NotebookIssue } from './validate.ts';
import { RUNNING_ELSEWHERE, type CellLocks } from './cellLocks.ts';
import { primerCells, type Cell, type CellKind, type CellParams, type Notebook } from './types.ts';
import type { LiveEvent } from './live.ts';

export type { ProgressReport, LiveEvent };
export type CellStatus = 'idle' | 'running' | 'done' | 'stale' | 'error' | 'cancelled' | 'interrupted' | 'blocked';

export interface CellState {
  status: CellStatus;
  value?: JsonValue;
  error?: string;
  progress?: ProgressReport;
  startedAt?: number;
  finishedAt?: number;
}

/** The result of a cell this one refers to. */
export interface CellInput {
  kind: CellKind;
  params: CellParams;
  value: JsonValue;
}

export interface CellContext {
  notebookId: string;
  cell: Cell;
  /** The cell's params with `$name` notebook params filled in, checked against its declaration, defaults filled. */
  params: CellParams;
  /** Results of the referenced cells, by their id. */
  inputs: Record<string, CellInput>;
  /** Aborted when the user cancels; a handler stops soon after and may throw. */
  signal: AbortSignal;
  /** This run of the cell: traces it writes carry it, and when it is done the cell's other traces go. */
  attempt: string;
  /** The checkpoint key an unfinished earlier run of this cell saved (interrupted, cancelled, failed), if its params still match. */
  resumeFrom?: string;
  progress(report: ProgressReport): void;
  /** Shows work in flight (solutions being written); never stored. */
  live(event: LiveEvent): void;
  /** Stores a partial result now, so it survives a crash. */
  savePartial(value: JsonValue): Promise<void>;
  /** Records where to resume from (e.g. a run id whose checkpoints the handler stored). */
  saveCheckpoint(key: string): Promise<void>;
}

export type CellHandler = (ctx: CellContext) => Promise<JsonValue>;
export type CellHandlers = Partial<Record<CellKind, CellHandler>>;

/** Where outputs live; storeOutputs(store) is the IndexedDB one. */
export interface OutputStore {
  getOutputs(notebookId: string): Promise<OutputRecord[]>;
  putOutput(output: OutputRecord): Promise<void>;
}

export function storeOutputs(store: Store): OutputStore {
  return { getOutputs: (id) => getOutputs(store, id), putOutput: (output) => putOutput(store, output) };
}

export interface RunnerOptions {
  notebookId: string;
  notebook: Notebook;
  /** Whether js cells may run: the user trusted this notebook, or it is one shipped with this build. */
  trusted: boolean;
  handlers: CellHandlers;
  outputs: OutputStore;
  onChange?: (cellId: string, state: CellState) => void;
  /** What a running cell shows as it works (see CellContext.live). */
  onLive?: (cellId: string, event: LiveEvent) => void;
  /** Cross-tab ownership of running cells (Web Locks in the browser); none in Node. */
  locks?: CellLocks;
}

export const UNTRUSTED_JS =
  'This notebook is not one shipped with this version of Primer, so its js cells do not run until you trust it. Read the code, then choose "Trust this notebook".';
const PROGRESS_SAVE_MS = 2000;

export class NotebookRunner {
  trusted: boolean;
  #options: RunnerOptions;
  #notebook: Notebook;
  #cells: Cell[] = [];
  #hashes = new Map<string, string>();
  #issues = new Map<string, NotebookIssue>();
  #records = new Map<string, OutputRecord>();
  /** States shown but not stored: blocked, refused. */
  #shown = new Map<string, CellState>();
  #active: AbortController | null = null;
  #busy = false;
  #stopRequested = false;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.trusted = options.trusted;
    this.#notebook = options.notebook;
    this.update(options.notebook);
  }

  /** Loads stored outputs; a cell stored as running was cut off (it becomes interrupted), unless another tab runs it. */
  async load(): Promise<void> {
    for (const stored of await this.#options.outputs.getOutputs(this.#options.notebookId)) {
      if (stored.status === 'running' && (await this.#options.locks?.held(stored.notebookId, stored.cellId))) {
        this.#records.set(stored.cellId, stored);
        this.#shown.set(stored.cellId, { status: 'blocked', error: RUNNING_ELSEWHERE });
        continue;
      }
      const record: OutputRecord = stored.status === 'running' ? { ...stored, status: 'interrupted' } : stored;
      if (record !== stored) await this.#options.outputs.putOutput(record);
      this.#records.set(record.cellId, record);
    }
    for (const cell of this.#cells) this.#emit(cell.id);
  }

  /** Takes an edited notebook: outputs of changed cells (and of cells using them) turn stale. */
  update(notebook: Notebook): void {
    this.#notebook = notebook;
    this.#cells = primerCells(notebook);
    this.#issues.clear();
    for (const issue of validateNotebook(notebook)) {
      if (issue.cellId !== undefined && !this.#issues.has(issue.cellId)) this.#issues.set(issue.cellId, issue);
    }
    this.#shown.clear();
    this.#hashes.clear();
    for (const cell of this.#cells) this.#hashes.set(cell.id, this.#hash(cell));
  }

  state(cellId: string): CellState {
    const shown = this.#shown.get(cellId);
    if (shown) return shown;
    const record = this.#records.get(cellId);
    if (!record) return { status: 'idle' };
    const { status, value, error, progress, startedAt, finishedAt } = record;
    const stale = status === 'done' && record.paramsHash !== this.#hashes.get(cellId);
    return { status: stale ? 'stale' : status, value, error, progress, startedAt, finishedAt };
  }

  /** Runs one cell (even if its output is current, unless force is false), after bringing the cells it uses up to date. */
  async run(cellId: string, { force = true } = {}): Promise<boolean> {
    const cell = this.#cell(cellId);
    const needed = new Set([cellId]);
    for (const c of [...this.#cells].reverse()) {
      if (needed.has(c.id)) for (const ref of this.#refs(c)) needed.add(ref.id);
    }
    return this.#runCells(needed, force ? new Set([cell.id]) : new Set());
  }

  /** Runs every cell whose output is missing or stale (every cell, with force); stops at the first failure. */
  runAll({ force = false } = {}): Promise<boolean> {
    const ids = new Set(this.#cells.map((cell) => cell.id));
    return this.#runCells(ids, force ? ids : new Set());
  }

  /** Cancels the running cell and stops "run all". */
  cancel(): void {
    this.#stopRequested = true;
    this.#active?.abort();
  }

  /** True from the start to the end of run or runAll. */
  get running(): boolean {
    return this.#busy;
  }

  async #runCells(targets: Set<string>, force: Set<string>): Promise<boolean> {
    if (this.#busy) throw new Error('A cell is already running; wait for it or cancel it');
    this.#busy = true;
    this.#stopRequested = false;
    try {
      for (const cell of this.#cells.filter((c) => targets.has(c.id))) {
        if (this.#stopRequested) return false;
        if (!force.has(cell.id) && this.#fresh(cell.id)) continue;
        if (!(await this.#runOne(cell))) {
          this.#blockDependents(cell.id, targets);
          return false;
        }
      }
      return true;
    } finally {
      this.#busy = false;
    }
  }

  async #runOne(cell: Cell): Promise<boolean> {
    const refusal = this.#refusal(cell);
    if (refusal) return this.#show(cell.id, refusal);
    const locks = this.#options.locks;
    if (!locks) return this.#runHandler(cell);
    let done = false;
    const held = await locks.hold(this.#options.notebookId, cell.id, async () => {
      done = await this.#runHandler(cell);
    });
    return held ? done : this.#show(cell.id, { status: 'error', error: RUNNING_ELSEWHERE });
  }

  async #runHandler(cell: Cell): Promise<boolean> {
    const handler = this.#options.handlers[cell.kind]!;
    const params = resolveParams(cell, this.#notebook.meta);
    const previous = this.#records.get(cell.id);
    const hash = this.#hashes.get(cell.id)!;
    const resumable = previous && previous.status !== 'done' && previous.paramsHash === hash;
    const controller = new AbortController();
    this.#active = controller;
    const attempt = crypto.randomUUID();
    let record: OutputRecord = {
      notebookId: this.#options.notebookId,
      cellId: cell.id,
      kind: cell.kind,
      status: 'running',
      paramsHash: hash,
      startedAt: Date.now(),
      checkpoint: resumable ? previous.checkpoint : undefined,
      attempt,
    };
    let lastProgressSave = 0;
    const update = (changes: Partial<OutputRecord>, persist: boolean): Promise<void> => {
      if (this.#active !== controller) return Promise.resolve(); // the handler called back after it finished
      record = { ...record, ...changes };
      return this.#save(record, persist);
    };
    try {
      this.#shown.delete(cell.id);
      await this.#save(record, true);
      const value = await handler({
        notebookId: this.#options.notebookId,
        cell,
        params: fillDefaults(cell.kind, params),
        inputs: this.#inputs(cell, params),
        signal: controller.signal,
        attempt,
        resumeFrom: record.checkpoint,
        progress: (progress) => {
          const due = Date.now() - lastProgressSave >= PROGRESS_SAVE_MS;
          if (due) lastProgressSave = Date.now();
          update({ progress }, due).catch(() => {}); // progress is a hint; losing one costs nothing
        },
        live: (event) => {
          if (this.#active === controller) this.#options.onLive?.(cell.id, event);
        },
        savePartial: (partial) => update({ value: partial }, true),
        saveCheckpoint: (checkpoint) => update({ checkpoint }, true),
      });
      controller.signal.throwIfAborted();
      record = { ...record, status: 'done', value, error: undefined, progress: undefined };
    } catch (error) {
      const cancelled = controller.signal.aborted;
      record = {
        ...record,
        status: cancelled ? 'cancelled' : 'error',
        error: cancelled ? 'Cancelled' : messageOf(error),
      };
    } finally {
      this.#active = null;
    }
    await this.#save({ ...record, finishedAt: Date.now() }, true);
    return record.status === 'done';
  }

  /** Why a cell cannot start, as the state to show, or null. */
  #refusal(cell: Cell): CellState | null {
    const issue = this.#issues.get(cell.id);
    if (issue) return { status: 'error', error: `line ${issue.line}: ${issue.message}` };
    if (cell.kind === 'js' && !this.trusted) return { status: 'error', error: UNTRUSTED_JS };
    if (!this.#options.handlers[cell.kind])
      return { status: 'error', error: `This build cannot run ${cell.kind} cells (no handler)` };
    const missing = this.#refs(cell).find((ref) => !this.#fresh(ref.id));
    if (missing) return { status: 'blocked', error: `Waits for "${missing.id}", which has no current result` };
    return null;
  }

  #inputs(cell: Cell, params: CellParams): Record<string, CellInput> {
    const inputs: Record<string, CellInput> = {};
    for (const { id } of cellRefs(cell, params)) {
      const source = this.#cell(id);
      inputs[id] = {
        kind: source.kind,
        params: resolveParams(source, this.#notebook.meta),
        value: this.#records.get(id)?.value ?? null,
      };
    }
    return inputs;
  }

  #blockDependents(failedId: string, targets: Set<string>): void {
    const failed = new Set([failedId]);
    for (const cell of this.#cells.filter((c) => targets.has(c.id))) {
      const cause = this.#refs(cell).find((ref) => failed.has(ref.id));
      if (!cause || failed.has(cell.id)) continue;
      failed.add(cell.id);
      this.#show(cell.id, { status: 'blocked', error: `Blocked: "${cause.id}" did not finish` });
    }
  }

  #fresh(cellId: string): boolean {
    const record = this.#records.get(cellId);
    return record?.status === 'done' && record.paramsHash === this.#hashes.get(cellId) && !this.#shown.has(cellId);
  }

  /** Hash of what determines a cell's result: kind, resolved params, code, and the hashes of its inputs. */
  #hash(cell: Cell): string {
    let params: CellParams;
    try {
      params = resolveParams(cell, this.#notebook.meta);
    } catch {
      params = cell.params; // invalid: the cell cannot run, the hash only has to be stable
    }
    const inputs = cellRefs(cell, params).map((ref) => this.#hashes.get(ref.id) ?? '');
    return fnv1a64(stableJson({ kind: cell.kind, params, source: cell.source, inputs }));
  }

  #refs(cell: Cell): CellRef[] {
    try {
      return cellRefs(cell, resolveParams(cell, this.#notebook.meta));
    } catch {
      return cellRefs(cell);
    }
  }

  #cell(cellId: string): Cell {
    const cell = this.#cells.find((c) => c.id === cellId);
    if (!cell) throw new Error(`No cell "${cellId}" in this notebook`);
    return cell;
  }

  /**
   * A done output is shown once stored, so what the UI then reads (the cell's traces) is what the store holds;
   * any other state at once, also when the store is slow or failing.
   */
  async #save(record: OutputRecord, persist: boolean): Promise<void> {
    this.#records.set(record.cellId, record);
    if (record.status !== 'done') this.#emit(record.cellId);
    try {
      if (persist) await this.#options.outputs.putOutput(record);
    } finally {
      if (record.status === 'done') this.#emit(record.cellId);
    }
  }

  #show(cellId: string, state: CellState): false {
    this.#shown.set(cellId, state);
    this.#emit(cellId);
    return false;
  }

  #emit(cellId: string): void {
    this.#options.onChange?.(cellId, this.state(cellId));
  }
}

/** 64-bit FNV-1a of the text's UTF-16 code units, as 16 hex digits: a cache key, not a security hash. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
