// Checks a parsed notebook against the cell specs: each field's type and range, rules across fields,
// `$name` notebook params, and references. The reference rule: a field of type ref/refs holds ids of
// cells that come earlier in the document and are of a kind the field accepts.
import { isMap, isScalar, parseDocument } from 'yaml';
import { COMMON_FIELDS, checkField, kindSpec, type FieldSpec } from './cells.ts';
import {
  NotebookParseError,
  primerCells,
  type Cell,
  type CellKind,
  type CellParams,
  type Notebook,
  type NotebookMeta,
} from './types.ts';

export interface NotebookIssue {
  line: number;
  cellId?: string;
  field?: string;
  message: string;
}

/** Every problem in the notebook, in document order; an empty list means it can run. */
export function validateNotebook(notebook: Notebook): NotebookIssue[] {
  const issues: NotebookIssue[] = [];
  const { title, description, params } = notebook.meta;
  if (title !== undefined && typeof title !== 'string')
    issues.push({ line: 2, field: 'title', message: "front matter 'title' must be text" });
  if (description !== undefined && typeof description !== 'string')
    issues.push({ line: 2, field: 'description', message: "front matter 'description' must be text" });
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    issues.push({ line: 2, field: 'params', message: "front matter 'params' must be a mapping" });
  }
  const cells = primerCells(notebook);
  const allIds = new Set(cells.map((cell) => cell.id));
  const earlier = new Map<string, Cell>();
  for (const cell of cells) {
    try {
      checkCell(cell, resolveParams(cell, notebook.meta), earlier, allIds);
    } catch (error) {
      if (!(error instanceof NotebookParseError)) throw error;
      issues.push({ line: error.line, cellId: cell.id, field: error.field, message: error.detail });
    }
    earlier.set(cell.id, cell);
  }
  return issues;
}

/** Throws the first issue as a NotebookParseError. */
export function assertValid(notebook: Notebook): void {
  const [issue] = validateNotebook(notebook);
  if (issue) throw new NotebookParseError(issue.line, issue.message, issue.field);
}

/** The cell's params with each top-level `$name` value replaced by the notebook's params.name. */
export function resolveParams(cell: Cell, meta: NotebookMeta): CellParams {
  const resolved: CellParams = {};
  for (const [field, value] of Object.entries(cell.params)) {
    const name = typeof value === 'string' ? /^\$([A-Za-z_]\w*)$/.exec(value)?.[1] : undefined;
    if (name === undefined) {
      resolved[field] = value;
      continue;
    }
    const param = meta.params?.[name];
    if (param === undefined)
      throw fieldError(cell, field, `'${field}' uses $${name}, which the front matter's params do not define`);
    resolved[field] = param;
  }
  return resolved;
}

export interface CellRef {
  field: string;
  id: string;
  /** The kinds the field accepts. */
  kinds: readonly CellKind[];
}

/** How a cell (with these resolved params) refers to other cells, in field order. */
export function cellRefs(cell: Cell, params: CellParams = cell.params): CellRef[] {
  const fields = kindSpec(cell.kind).fields;
  return Object.entries(params).flatMap(([field, value]) => {
    const spec = fields[field];
    if (spec?.type !== 'ref' && spec?.type !== 'refs') return [];
    const ids = (Array.isArray(value) ? value : [value]).filter((id): id is string => typeof id === 'string');
    return ids.map((id) => ({ field, id, kinds: spec.kinds }));
  });
}

/** The notebook line where `field` of `cell` is written (the cell's first line if it cannot tell). */
export function fieldLine(cell: Cell, field: string): number {
  if (!cell.yaml || cell.line === 0) return cell.line;
  const doc = parseDocument(cell.yaml);
  if (!isMap(doc.contents)) return cell.line;
  const pair = doc.contents.items.find((item) => isScalar(item.key) && item.key.value === field);
  const offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  return offset === undefined ? cell.line : cell.line + cell.yaml.slice(0, offset).split('\n').length;
}

function checkCell(cell: Cell, params: CellParams, earlier: Map<string, Cell>, allIds: Set<string>): void {
  const spec = kindSpec(cell.kind);
  const common: Readonly<Record<string, FieldSpec>> = COMMON_FIELDS;
  for (const [field, value] of Object.entries(params)) {
    const fieldSpec = spec.fields[field] ?? common[field];
    if (!fieldSpec) {
      const known = Object.keys({ ...spec.fields, ...COMMON_FIELDS }).join(', ');
      throw fieldError(cell, field, `a ${cell.kind} cell has no field '${field}' (it has: ${known})`);
    }
    const problem = checkField(fieldSpec, value);
    if (problem) throw fieldError(cell, field, `'${field}' ${problem}`);
  }
  for (const [field, fieldSpec] of Object.entries(spec.fields)) {
    if (fieldSpec.required && params[field] === undefined)
      throw fieldError(cell, field, `a ${cell.kind} cell needs '${field}' (${fieldSpec.help})`);
  }
  const rule = spec.check?.(params);
  if (rule) throw fieldError(cell, rule.field, rule.message);
  for (const { field, id, kinds } of cellRefs(cell, params)) {
    const target = earlier.get(id);
    if (!target) {
      const where =
        id === cell.id
          ? 'this cell itself'
          : allIds.has(id)
            ? 'a cell further down; a cell can only use cells above it'
            : 'no cell in this notebook';
      throw fieldError(cell, field, `'${field}' refers to "${id}", ${where}`);
    }
    if (!kinds.includes(target.kind))
      throw fieldError(
        cell,
        field,
        `'${field}' refers to "${id}", a ${target.kind} cell; it takes ${kinds.join(', ')}`,
      );
  }
}

function fieldError(cell: Cell, field: string, message: string): NotebookParseError {
  return new NotebookParseError(fieldLine(cell, field), `${cell.kind} cell "${cell.id}": ${message}`, field);
}
