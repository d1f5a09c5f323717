// A field's declaration in words, for the notebook editor's help and the command line's --help.
import { COMMON_FIELDS, kindSpec, type FieldSpec } from './cells.ts';
import type { CellKind } from './types.ts';

export interface FieldHelp {
  name: string;
  /** What values it takes, e.g. "number 0 to 2", "one of: base, chat", "a cell id (model, prime, rl)". */
  takes: string;
  /** Its default in words, or "required", or "" (unset means none). */
  default: string;
  help: string;
}

/** What values a field takes, in words. */
export function valuesOf(spec: FieldSpec): string {
  switch (spec.type) {
    case 'number': {
      const what = spec.integer ? 'whole number' : 'number';
      return spec.min !== undefined && spec.max !== undefined ? `${what} ${spec.min} to ${spec.max}` : what;
    }
    case 'string':
      return spec.oneOf ? `one of: ${spec.oneOf.join(', ')}` : 'text';
    case 'strings':
      return spec.oneOf ? `list of: ${spec.oneOf.join(', ')}` : 'list of text';
    case 'boolean':
      return 'true or false';
    case 'ref':
      return `a cell id (${spec.kinds.join(', ')})`;
    case 'refs':
      return `cell ids (${spec.kinds.join(', ')})`;
  }
}

/** A field's default in words ("required" when it has to be given; "" when leaving it out means none). */
export function defaultOf(spec: FieldSpec): string {
  if (spec.required) return 'required';
  if (!('default' in spec) || spec.default === undefined) return '';
  return Array.isArray(spec.default) ? `[${spec.default.join(', ')}]` : String(spec.default);
}

/** Every field of a kind (and the fields every cell has), as the editor's help lists them. */
export function fieldsHelp(kind: CellKind): FieldHelp[] {
  const fields: Record<string, FieldSpec> = { ...kindSpec(kind).fields, ...COMMON_FIELDS };
  return Object.entries(fields).map(([name, spec]) => ({
    name,
    takes: valuesOf(spec),
    default: defaultOf(spec),
    help: spec.help,
  }));
}
