// The notebook file: Markdown with YAML front matter. A fenced block whose info string is
// `primer <kind>` is a cell; its body is YAML parameters (with a required, unique `id`), and a js cell
// continues after a line `---` with its code. Everything else is prose, kept verbatim, fenced code of
// other languages included. Line endings are read as '\n' and written back as the file had them.
//
// Round trip: serializeNotebook(parseNotebook(text)) === text for a file with one kind of line ending;
// cells keep the YAML as written (comments too) until their params change, then are written canonically.
import { parseDocument, stringify } from 'yaml';
import type { JsonValue } from '../store/schema.ts';
import {
  CELL_KINDS,
  NotebookParseError,
  isPrimerCell,
  type Cell,
  type CellKind,
  type CellParams,
  type Notebook,
  type NotebookCell,
  type NotebookMeta,
  type NotebookWarning,
} from './types.ts';

const YAML_OPTIONS = { lineWidth: 0 } as const;
const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

interface Fence {
  indent: number;
  marker: string;
  info: string;
}

export function parseNotebook(text: string): Notebook {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const normalized = eol === '\r\n' ? text.replace(/\r\n/g, '\n') : text;
  const finalNewline = normalized.endsWith('\n');
  const lines = normalized === '' ? [] : (finalNewline ? normalized.slice(0, -1) : normalized).split('\n');

  const { meta, frontMatter, bodyStart } = parseFrontMatter(lines);
  const cells: NotebookCell[] = [];
  let prose: string[] = [];
  const flushProse = () => {
    if (prose.length > 0) cells.push({ kind: 'markdown', text: prose.map((l) => l + '\n').join('') });
    prose = [];
  };
  for (let i = bodyStart; i < lines.length; i++) {
    const fence = openingFence(lines[i]);
    if (!fence) {
      prose.push(lines[i]);
      continue;
    }
    const close = closingLine(lines, i, fence);
    if (fence.indent === 0 && /^primer(\s|$)/.test(fence.info)) {
      if (close < 0) throw new NotebookParseError(i + 1, `this \`${fence.info}\` cell has no closing ${fence.marker}`);
      flushProse();
      cells.push(parseCell(lines.slice(i + 1, close), i + 1, fence));
    } else {
      // Another language's code block is prose; an unclosed one runs to the end, as in CommonMark.
      const end = close < 0 ? lines.length - 1 : close;
      prose.push(...lines.slice(i, end + 1));
    }
    i = close < 0 ? lines.length : close;
  }
  flushProse();
  const warnings = assignIds(cells.filter(isPrimerCell));
  return { meta, frontMatter, cells, eol, finalNewline, warnings };
}

export function serializeNotebook(notebook: Notebook): string {
  let out = '';
  if (notebook.frontMatter !== null || Object.keys(notebook.meta).length > 0) {
    out += '---\n' + yamlFor(notebook.frontMatter, notebook.meta) + '---\n';
  }
  for (const cell of notebook.cells) out += cell.kind === 'markdown' ? cell.text : serializeCell(cell);
  if (!notebook.finalNewline && out.endsWith('\n')) out = out.slice(0, -1);
  return notebook.eol === '\n' ? out : out.replace(/\n/g, '\r\n');
}

/** A copy of `cell` with new params; its YAML is edited in place, so comments on untouched keys survive. */
export function withParams(cell: Cell, params: CellParams): Cell {
  const doc = parseDocument(cell.yaml ?? '');
  const current = (doc.toJS() ?? {}) as CellParams;
  const wanted: CellParams = { id: cell.id, ...params };
  for (const key of Object.keys(current)) if (!(key in wanted)) doc.delete(key);
  for (const [key, value] of Object.entries(wanted)) if (!sameJson(current[key], value)) doc.set(key, value);
  return { ...cell, params, yaml: doc.toString(YAML_OPTIONS) };
}

function serializeCell(cell: Cell): string {
  const code = cell.kind === 'js' && cell.source !== '' ? '---\n' + withNewline(cell.source) : '';
  const body = yamlFor(cell.yaml ?? null, { id: cell.id, ...cell.params }) + code;
  const fence = fenceFor(body, cell.fence ?? '```');
  return `${fence}primer ${cell.kind}\n${body}${fence}\n`;
}

/** The YAML as written if it still parses to `value`, else `value` written canonically. */
function yamlFor(written: string | null, value: Record<string, JsonValue | undefined>): string {
  if (written !== null && sameJson(parseDocument(written).toJS() ?? {}, value)) return written;
  return stringify(value, YAML_OPTIONS);
}

/** A fence no body line can close: the written one if safe, else one backtick longer than any run in the body. */
function fenceFor(body: string, written: string): string {
  const char = written[0];
  const longest = Math.max(
    0,
    ...body
      .split('\n')
      .map((line) => /^ {0,3}(`+|~+)/.exec(line)?.[1] ?? '')
      .filter((run) => run[0] === char)
      .map((run) => run.length),
  );
  return longest < written.length ? written : char.repeat(Math.max(3, longest + 1));
}

function parseFrontMatter(lines: string[]): { meta: NotebookMeta; frontMatter: string | null; bodyStart: number } {
  if (lines[0] !== '---') return { meta: {}, frontMatter: null, bodyStart: 0 };
  const end = lines.indexOf('---', 1);
  if (end < 0) throw new NotebookParseError(1, 'the front matter opened here has no closing ---');
  const frontMatter = lines
    .slice(1, end)
    .map((l) => l + '\n')
    .join('');
  const meta = parseYamlMap(frontMatter, 2, 'front matter');
  return { meta, frontMatter, bodyStart: end + 1 };
}

function parseCell(body: string[], line: number, fence: Fence): Cell {
  const kind = fence.info.split(/\s+/)[1] ?? '';
  if (!CELL_KINDS.includes(kind as CellKind) || fence.info.split(/\s+/).length !== 2) {
    throw new NotebookParseError(
      line,
      `unknown cell \`${fence.info}\`; expected \`primer <kind>\` with kind one of ${CELL_KINDS.join(', ')}`,
    );
  }
  const split = body.indexOf('---');
  if (split >= 0 && kind !== 'js')
    throw new NotebookParseError(line + 1 + split, `only js cells have code after ---; this is a ${kind} cell`);
  const yamlLines = split >= 0 ? body.slice(0, split) : body;
  const yaml = yamlLines.map((l) => l + '\n').join('');
  const { id, ...params } = parseYamlMap(yaml, line + 1, `${kind} cell`);
  if (id !== undefined && (typeof id !== 'string' || !ID_PATTERN.test(id))) {
    throw new NotebookParseError(
      line + 1,
      `cell id ${JSON.stringify(id)} must be a name: a letter, then letters, digits, _ or -`,
      'id',
    );
  }
  const source =
    split >= 0
      ? body
          .slice(split + 1)
          .map((l) => l + '\n')
          .join('')
      : '';
  return { kind: kind as CellKind, id: id ?? '', params, source, line, yaml, fence: fence.marker };
}

/** Parses YAML that must be a mapping of plain data; errors carry the notebook line (`firstLine` is the YAML's line 1). */
function parseYamlMap(yaml: string, firstLine: number, where: string): CellParams {
  const doc = parseDocument(yaml, { prettyErrors: false });
  const lastLine = firstLine + Math.max(0, yaml.split('\n').length - 2);
  // An error at the very end (an unclosed bracket) points at the YAML's last line, not the closing fence.
  const lineAt = (offset: number) => Math.min(lastLine, firstLine + yaml.slice(0, offset).split('\n').length - 1);
  const [error] = doc.errors;
  if (error) throw new NotebookParseError(lineAt(error.pos[0]), `bad YAML in the ${where}: ${error.message}`);
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new NotebookParseError(firstLine, `the ${where} must be a YAML mapping (key: value lines)`);
  const map = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(map)) {
    if (!isJson(field))
      throw new NotebookParseError(
        firstLine,
        `field '${key}' in the ${where} must be plain data (text, numbers, true/false, lists, maps)`,
        key,
      );
  }
  return map as CellParams;
}

/** Checks ids are unique and names cells that have none (kind-1, kind-2, ... skipping taken names). */
function assignIds(cells: Cell[]): NotebookWarning[] {
  const firstLine = new Map<string, number>();
  for (const cell of cells.filter((c) => c.id !== '')) {
    const earlier = firstLine.get(cell.id);
    if (earlier !== undefined)
      throw new NotebookParseError(cell.line, `duplicate cell id "${cell.id}" (first used on line ${earlier})`, 'id');
    firstLine.set(cell.id, cell.line);
  }
  const warnings: NotebookWarning[] = [];
  const counts = new Map<CellKind, number>();
  for (const cell of cells.filter((c) => c.id === '')) {
    let n = counts.get(cell.kind) ?? 0;
    do n++;
    while (firstLine.has(`${cell.kind}-${n}`));
    counts.set(cell.kind, n);
    cell.id = `${cell.kind}-${n}`;
    firstLine.set(cell.id, cell.line);
    warnings.push({ line: cell.line, message: `this ${cell.kind} cell had no id; it is now "${cell.id}"` });
  }
  return warnings;
}

function openingFence(line: string): Fence | null {
  const match = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match) return null;
  const info = match[3].trim();
  if (match[2][0] === '`' && info.includes('`')) return null; // CommonMark: not a fence
  return { indent: match[1].length, marker: match[2], info };
}

/** The index of the line that closes `fence` opened at `open`, or -1. */
function closingLine(lines: string[], open: number, fence: Fence): number {
  for (let i = open + 1; i < lines.length; i++) {
    const match = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]);
    if (match && match[1][0] === fence.marker[0] && match[1].length >= fence.marker.length) return i;
  }
  return -1;
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.values(value).every(isJson);
  return false;
}

function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted, so equal data gives equal text (also used for hashing). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}
