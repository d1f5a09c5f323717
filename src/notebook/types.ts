// What a parsed notebook is: front matter, then cells in document order. Markdown cells are the prose
// between fenced cells, kept verbatim; Primer cells carry their kind, id, parameters and (js only) code.
import type { JsonValue } from '../store/schema.ts';

export const CELL_KINDS = [
  'model',
  'sample',
  'annotate',
  'dataset',
  'prime',
  'rl',
  'chart',
  'table',
  'compare',
  'js',
] as const;
export type CellKind = (typeof CELL_KINDS)[number];

export type CellParams = { [key: string]: JsonValue };

export interface NotebookMeta {
  title?: string;
  description?: string;
  /** Notebook-level knobs; a cell param written `$name` takes the value of params.name. */
  params?: CellParams;
  [key: string]: JsonValue | undefined;
}

export interface MarkdownCell {
  kind: 'markdown';
  /** The prose exactly as written, newlines included. */
  text: string;
}

export interface Cell {
  kind: CellKind;
  id: string;
  /** Parameters without `id`. */
  params: CellParams;
  /** A js cell's code (the fence body after its `---` line); '' for other kinds. */
  source: string;
  /** 1-based line of the opening fence in the file it came from (0 for a cell made in the app). */
  line: number;
  /** The YAML as written, comments included; serialize keeps it while it still says the same as id + params. */
  yaml?: string;
  /** The opening fence as written (``` or a longer run, or ~~~). */
  fence?: string;
}

export type NotebookCell = MarkdownCell | Cell;

export interface NotebookWarning {
  line: number;
  message: string;
}

export interface Notebook {
  meta: NotebookMeta;
  /** The front matter YAML as written, or null when the file has none. */
  frontMatter: string | null;
  cells: NotebookCell[];
  /** Line ending of the file; the text is held with '\n' and written back with this. */
  eol: '\n' | '\r\n';
  finalNewline: boolean;
  /** Things parsing fixed and the user should know, e.g. generated ids. */
  warnings: NotebookWarning[];
}

export function isPrimerCell(cell: NotebookCell): cell is Cell {
  return cell.kind !== 'markdown';
}

/** The runnable cells, in document order. */
export function primerCells(notebook: Notebook): Cell[] {
  return notebook.cells.filter(isPrimerCell);
}

/** A notebook problem at a line, optionally in a cell's field. */
export class NotebookParseError extends Error {
  override name = 'NotebookParseError';
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}
