// @mlc-ai/web-llm (6.6 MB) must stay out of the app's first load: only a dynamic import() and the worker
// module may reach it. This reads the sources with TypeScript's parser and walks the static import graph.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE = '@mlc-ai/web-llm';
const WORKER = 'src/generators/webllm/webllm.worker.ts';

interface Imports {
  /** Specifiers imported for their values (type-only imports are erased by the compiler). */
  values: string[];
  dynamic: string[];
  /** Module workers started with new Worker(new URL(spec, import.meta.url), { type: 'module' }). */
  workers: string[];
}

function scriptOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

const literal = (node: ts.Node | undefined) => (node && ts.isStringLiteral(node) ? node.text : undefined);

function importsOf(file: string): Imports {
  const source = ts.createSourceFile(file, scriptOf(file), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Imports = { values: [], dynamic: [], workers: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.values.push(literal(node.moduleSpecifier)!);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      found.values.push(literal(node.moduleSpecifier)!);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      found.dynamic.push(literal(node.arguments[0]) ?? '<computed>');
    } else if (ts.isNewExpression(node) && node.expression.getText() === 'Worker') {
      const url = node.arguments?.[0];
      const options = node.arguments?.[1]?.getText() ?? '';
      if (
        url &&
        ts.isNewExpression(url) &&
        url.arguments?.[1]?.getText() === 'import.meta.url' &&
        /type:\s*'module'/.test(options)
      ) {
        found.workers.push(literal(url.arguments[0])!);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every source file reachable from `entry` through static value imports (relative ones; packages are leaves). */
function staticGraph(entry: string): Map<string, Imports> {
  const graph = new Map<string, Imports>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const imports = importsOf(file);
    graph.set(file, imports);
    for (const spec of imports.values) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\?.*$/, ''));
      if (/\.(ts|svelte)$/.test(target) && existsSync(target)) pending.push(target);
    }
  }
  return graph;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|svelte)$/.test(f))
    .map((f) => join(ROOT, dir, f));
}

describe('lazy loading of @mlc-ai/web-llm', () => {
  it("keeps the package and the worker out of the app entry's static import graph", () => {
    const graph = staticGraph('src/main.ts');
    expect(graph.size).toBeGreaterThan(3);
    for (const [file, imports] of graph) {
      expect(imports.values, relative(ROOT, file)).not.toContain(PACKAGE);
      expect(relative(ROOT, file)).not.toBe(WORKER);
    }
  });

  it('keeps it out of what the notebook imports to get a WebLLM generator', () => {
    const graph = staticGraph('src/generators/webllm/backend.ts');
    expect([...graph.keys()].map((f) => relative(ROOT, f))).toContain('src/generators/webllm/engine.ts');
    for (const [file, imports] of graph) expect(imports.values, relative(ROOT, file)).not.toContain(PACKAGE);
  });

  it('reaches the package only through import() in engine.ts and a module worker started there', () => {
    const uses = sourceFiles('src').map((file) => ({ file: relative(ROOT, file), ...importsOf(file) }));
    expect(uses.filter((u) => u.values.includes(PACKAGE)).map((u) => u.file)).toEqual([WORKER]);
    expect(uses.filter((u) => u.dynamic.includes(PACKAGE)).map((u) => u.file)).toEqual([
      'src/generators/webllm/engine.ts',
    ]);
    expect(uses.filter((u) => u.workers.length > 0).map((u) => [u.file, u.workers])).toContainEqual([
      'src/generators/webllm/engine.ts',
      ['./webllm.worker.ts'],
    ]);
    // The worker module is not imported by anything, so only `new Worker` loads it.
    const importers = uses.filter((u) => [...u.values, ...u.dynamic].some((s) => s.endsWith('webllm.worker.ts')));
    expect(importers).toEqual([]);
  });
});
