// One declaration per cell kind (notebook/cells.ts): the runner fills its defaults, the handlers read their
// params through CellParamsOf<kind> (so reading an undeclared field does not compile), and this test reads
// the handlers with TypeScript's checker to find which fields each kind's handler reads: a declared field
// nobody reads fails it, and so does a handler reaching into the raw params.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CELL_SPECS, fillDefaults } from '../../src/notebook/cells.ts';
import { CELL_KINDS, type CellKind } from '../../src/notebook/types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const HANDLERS = join(ROOT, 'src/app/handlers');

function fieldsRead(): { reads: Map<CellKind, Set<string>>; rawParams: string[] } {
  const files = readdirSync(HANDLERS).map((f) => join(HANDLERS, f));
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  )!;
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const reads = new Map<CellKind, Set<string>>(CELL_KINDS.map((k) => [k, new Set<string>()]));
  const rawParams: string[] = [];
  const kindOf = (node: ts.Node): CellKind | undefined => {
    const type = checker.getTypeAtLocation(node);
    const arg = type.aliasSymbol?.name === 'CellParamsOf' ? type.aliasTypeArguments?.[0] : undefined;
    return arg?.isStringLiteral() ? (arg.value as CellKind) : undefined;
  };
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) {
        const kind = kindOf(node.expression);
        if (kind) reads.get(kind)!.add(node.name.text);
        if (node.name.text === 'params' && node.expression.getText(source) === 'ctx')
          rawParams.push(`${file.slice(ROOT.length + 1)}: ${node.parent.getText(source).slice(0, 60)}`);
      }
      if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer) {
        const kind = kindOf(node.initializer);
        for (const element of node.name.elements)
          if (kind) reads.get(kind)!.add((element.propertyName ?? element.name).getText(source));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { reads, rawParams };
}

describe('cell declarations', () => {
  const { reads, rawParams } = fieldsRead();

  it.each(CELL_KINDS)('the %s handler reads every field its declaration has, and only those', (kind) => {
    const declared = Object.keys(CELL_SPECS[kind].fields).sort();
    const read = [...reads.get(kind)!].filter((f) => f !== 'title').sort();
    expect(read).toEqual(declared);
  });

  it('no handler reads raw params, except paramsOf and the js cell handing them to its code', () => {
    expect(rawParams).toEqual([
      'src/app/handlers/env.ts: ctx.params as CellParamsOf<K>',
      'src/app/handlers/views.ts: params: ctx.params',
    ]);
  });

  it('fills defaults where a field is absent and keeps what the cell says', () => {
    const filled = fillDefaults('sample', { model: 'm', temperature: 0.5, problems: 4 });
    expect(filled).toMatchObject({ model: 'm', temperature: 0.5, problems: 4, top_p: 1, template: 'base', seed: 1 });
    expect(fillDefaults('chart', { from: 'rl', y: 'accuracy' })).toMatchObject({ from: ['rl'], y: ['accuracy'] });
  });
});
