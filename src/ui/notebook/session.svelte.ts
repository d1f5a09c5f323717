// One open notebook: its parsed cells, the runner, and each cell's state as the UI sees it.
import { parseNotebook, serializeNotebook, withParams } from '../../notebook/format.ts';
import { CellLocks } from '../../notebook/cellLocks.ts';
import { NotebookRunner, storeOutputs, type CellHandlers, type CellState } from '../../notebook/runner.ts';
import { isPrimerCell, NotebookParseError, type Cell, type CellParams, type Notebook } from '../../notebook/types.ts';
import type { NotebookRecord } from '../../store/schema.ts';
import type { Workspace } from '../workspace.svelte.ts';
import type { GpuMemoryLedger } from '../../generators/memory.ts';
import { isShippedSource } from '../shipped.ts';
import { LiveBoards } from '../solutions/liveBoard.svelte.ts';

export class NotebookSession {
  notebook = $state.raw<Notebook>();
  states = $state<Record<string, CellState>>({});
  running = $state(false);
  error = $state('');
  trusted = $state(false);
  /** What the GPU holds now (engine and WebLLM), refreshed as cells finish. */
  gpuSummary = $state('');
  /** Solutions of running cells as they are written. */
  readonly live = new LiveBoards();
  #runner: NotebookRunner;
  /** The user chose "Trust this notebook" (stored); shipped text is trusted without it. */
  #userTrusted: boolean;

  constructor(
    readonly record: NotebookRecord,
    private readonly workspace: Workspace,
    handlers: CellHandlers,
    store: Parameters<typeof storeOutputs>[0],
    ledger?: GpuMemoryLedger,
  ) {
    this.notebook = parseNotebook(record.source);
    this.#userTrusted = record.trusted;
    this.trusted = record.trusted || isShippedSource(record.source);
    this.#runner = new NotebookRunner({
      notebookId: record.id,
      notebook: this.notebook,
      trusted: this.trusted,
      handlers,
      outputs: storeOutputs(store),
      locks: CellLocks.ofPlatform(),
      onChange: (id, state) => {
        if (state.status === 'running' && this.states[id]?.status !== 'running') this.live.reset(id);
        this.states[id] = state;
        if (ledger && state.status !== 'running') this.gpuSummary = ledger.summary();
      },
      onLive: (id, event) => this.live.push(id, event),
    });
  }

  async load(): Promise<void> {
    await this.#runner.load();
  }

  state(cellId: string): CellState {
    return this.states[cellId] ?? { status: 'idle' };
  }

  async run(cellId?: string): Promise<void> {
    this.running = true;
    this.error = '';
    try {
      if (cellId) await this.#runner.run(cellId);
      else await this.#runner.runAll();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.running = false;
    }
  }

  cancel(): void {
    this.#runner.cancel();
  }

  async trust(): Promise<void> {
    try {
      await this.workspace.trust(this.record.id);
    } catch (err) {
      this.error = `Could not store your trust: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    this.#userTrusted = true;
    this.#setTrusted(true);
  }

  #setTrusted(trusted: boolean): void {
    this.#runner.trusted = trusted;
    this.trusted = trusted;
  }

  /** Replaces one cell's params (from the cell editor) and saves the notebook. */
  async editCell(cell: Cell, params: CellParams): Promise<void> {
    const notebook = this.notebook!;
    const cells = notebook.cells.map((c) => (isPrimerCell(c) && c.id === cell.id ? withParams(c, params) : c));
    await this.replace({ ...notebook, cells });
  }

  /** Takes new notebook text; a parse error names the line and changes nothing. */
  async editSource(text: string): Promise<void> {
    try {
      await this.replace(parseNotebook(text));
    } catch (err) {
      this.error = err instanceof NotebookParseError ? err.message : String(err);
    }
  }

  private async replace(notebook: Notebook): Promise<void> {
    this.notebook = notebook;
    this.#runner.update(notebook);
    for (const c of notebook.cells) if (isPrimerCell(c)) this.states[c.id] = this.#runner.state(c.id);
    const title = typeof notebook.meta.title === 'string' ? notebook.meta.title : this.record.title;
    const source = serializeNotebook(notebook);
    this.#setTrusted(this.#userTrusted || isShippedSource(source));
    await this.workspace.save(this.record.id, title, source, this.record.origin);
  }
}
