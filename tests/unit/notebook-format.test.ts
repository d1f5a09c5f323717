import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parseNotebook, serializeNotebook, withParams } from '../../src/notebook/format.ts';
import { assertValid, validateNotebook } from '../../src/notebook/validate.ts';
import { NotebookParseError, primerCells, type Cell } from '../../src/notebook/types.ts';

const canonical = `---
title: Edge cases
description: every corner of the format
params:
  problems: 8
---

# Prose

Some prose with a code block of another language:

\`\`\`python
print("not a cell")
\`\`\`

\`\`\`\`markdown
An example cell inside prose, shown not run:
\`\`\`primer sample
id: shown
\`\`\`
\`\`\`\`

\`\`\`primer model
id: m1
source: scratch # a comment that must survive
layers: 2
dim: 16
heads: 2
\`\`\`
\`\`\`primer sample
id: s1
model: m1
problems: $problems
\`\`\`

\`\`\`\`primer js
id: code
from: [s1]
---
const fence = \`
\`\`\`
\`;
return inputs.s1;
\`\`\`\`
Trailing prose.
`;

function cell(text: string, id: string): Cell {
  const found = primerCells(parseNotebook(text)).find((c) => c.id === id);
  if (!found) throw new Error(`no cell ${id}`);
  return found;
}

function parseError(text: string): NotebookParseError {
  try {
    parseNotebook(text);
  } catch (error) {
    if (error instanceof NotebookParseError) return error;
    throw error;
  }
  throw new Error('parsed without error');
}

describe('notebook format', () => {
  it('parses front matter, prose and cells in order', () => {
    const nb = parseNotebook(canonical);
    expect(nb.meta).toEqual({
      title: 'Edge cases',
      description: 'every corner of the format',
      params: { problems: 8 },
    });
    expect(nb.cells.map((c) => c.kind)).toEqual(['markdown', 'model', 'sample', 'markdown', 'js', 'markdown']);
    expect(cell(canonical, 'm1').params).toEqual({ source: 'scratch', layers: 2, dim: 16, heads: 2 });
    expect(cell(canonical, 's1').line).toBe(30);
    expect(nb.warnings).toEqual([]);
  });

  it('keeps other languages\u2019 code blocks, and primer examples inside them, as prose', () => {
    const prose = parseNotebook(canonical).cells[0];
    expect(prose.kind).toBe('markdown');
    expect(prose.kind === 'markdown' && prose.text).toContain('print("not a cell")');
    expect(prose.kind === 'markdown' && prose.text).toContain('id: shown');
  });

  it('reads js code after the --- line, with a longer fence around backticks', () => {
    const js = cell(canonical, 'code');
    expect(js.params).toEqual({ from: ['s1'] });
    expect(js.source).toBe('const fence = `\n```\n`;\nreturn inputs.s1;\n');
    expect(js.fence).toBe('````');
  });

  it('round-trips byte for byte: LF, CRLF, no trailing newline', () => {
    expect(serializeNotebook(parseNotebook(canonical))).toBe(canonical);
    const crlf = canonical.replace(/\n/g, '\r\n');
    expect(serializeNotebook(parseNotebook(crlf))).toBe(crlf);
    const bare = canonical.slice(0, -1);
    expect(serializeNotebook(parseNotebook(bare))).toBe(bare);
    const endsInCell = '```primer model\nid: m\nsource: hub\nname: x\n```';
    expect(serializeNotebook(parseNotebook(endsInCell))).toBe(endsInCell);
    expect(serializeNotebook(parseNotebook(''))).toBe('');
  });

  it('writes an empty-params cell and a cell whose params changed canonically', () => {
    const nb = parseNotebook('```primer chart\n```\n');
    expect(primerCells(nb)[0].params).toEqual({});
    expect(serializeNotebook(nb)).toBe('```primer chart\nid: chart-1\n```\n');
    const edited = parseNotebook(canonical);
    const index = edited.cells.findIndex((c) => c.kind !== 'markdown' && c.id === 'm1');
    const m1 = edited.cells[index] as Cell;
    edited.cells[index] = withParams(m1, { ...m1.params, layers: 4 });
    const text = serializeNotebook(edited);
    expect(text).toContain('source: scratch # a comment that must survive\nlayers: 4\n');
    expect(cell(text, 'm1').params.layers).toBe(4);
  });

  it('re-fences a js cell whose new code would close its fence', () => {
    const nb = parseNotebook('```primer js\nid: j\n---\nreturn 1;\n```\n');
    const j = primerCells(nb)[0];
    j.source = 'const s = `\n```\n`;\n';
    const text = serializeNotebook(nb);
    expect(text.startsWith('````primer js\n')).toBe(true);
    expect(cell(text, 'j').source).toBe(j.source);
  });

  it('names missing ids deterministically and says so', () => {
    const text = '```primer sample\nmodel: m\n```\n```primer sample\nid: sample-1\n```\n```primer sample\n```\n';
    const nb = parseNotebook(text);
    expect(primerCells(nb).map((c) => c.id)).toEqual(['sample-2', 'sample-1', 'sample-3']);
    expect(nb.warnings).toEqual([
      { line: 1, message: 'this sample cell had no id; it is now "sample-2"' },
      { line: 7, message: 'this sample cell had no id; it is now "sample-3"' },
    ]);
    expect(parseNotebook(serializeNotebook(nb)).warnings).toEqual([]);
  });

  it('reports parse errors with the notebook line', () => {
    expect(parseError('# t\n\n```primer sample\nid: a\nproblems: [1,\n```\n')).toMatchObject({ line: 5 });
    expect(parseError('```primer sample\nid: a\nproblems: : 3\nseed: 1\n```\n')).toMatchObject({ line: 3 });
    expect(parseError('text\n```primer sampel\nid: a\n```\n').message).toMatch(/^line 2: unknown cell `primer sampel`/);
    const dup = parseError('```primer chart\nid: a\n```\n\n```primer table\nid: a\n```\n');
    expect(dup.message).toBe('line 5: duplicate cell id "a" (first used on line 1)');
    expect(parseError('intro\n\n```primer model\nid: a\n').message).toMatch(/^line 3: .*no closing ```/);
    expect(parseError('---\ntitle: x\n').line).toBe(1);
    expect(parseError('---\ntitle: [x\n---\n').line).toBe(2);
    expect(parseError('```primer model\nid: 3a\n```\n').message).toMatch(/^line 2: cell id "3a" must be a name/);
    expect(parseError('```primer model\n- a\n- b\n```\n').message).toMatch(/must be a YAML mapping/);
    expect(parseError('```primer model\nid: a\n---\ncode\n```\n').message).toMatch(/^line 3: only js cells have code/);
  });

  it('validates params per kind, naming the line and field', () => {
    const text =
      [
        '```primer model',
        'id: m',
        'source: scratch',
        'layers: 2',
        'dim: 10',
        'heads: 4',
        '```',
        '```primer sample',
        'id: s',
        'model: m',
        'problems: 8',
        'temperature: 3',
        '```',
        '```primer sample',
        'id: t',
        'split: test',
        '```',
        '```primer sample',
        'id: u',
        'model: later',
        'problems: 1',
        '```',
        '```primer annotate',
        'id: later',
        'from: s',
        'annotator: rules',
        'colour: red',
        '```',
        '```primer chart',
        'id: c',
        'from: [m]',
        'y: accuracy',
        '```',
        '```primer table',
        'id: tab',
        'from: nowhere',
        '```',
        '```primer sample',
        'id: v',
        'model: s',
        'problems: 2.5',
        '```',
      ].join('\n') + '\n';
    const issues = validateNotebook(parseNotebook(text)).map(({ line, field, message }) => ({ line, field, message }));
    expect(issues).toEqual([
      { line: 6, field: 'heads', message: 'model cell "m": heads (4) must divide dim (10)' },
      { line: 12, field: 'temperature', message: 'sample cell "s": \'temperature\' must be between 0 and 2 (got 3)' },
      {
        line: 14,
        field: 'model',
        message:
          'sample cell "t": a sample cell needs \'model\' (the model cell (or a prime/rl cell, for the trained model))',
      },
      {
        line: 20,
        field: 'model',
        message:
          'sample cell "u": \'model\' refers to "later", a cell further down; a cell can only use cells above it',
      },
      {
        line: 27,
        field: 'colour',
        message: expect.stringMatching(/^annotate cell "later": a annotate cell has no field 'colour'/),
      },
      {
        line: 31,
        field: 'from',
        message:
          'chart cell "c": \'from\' refers to "m", a model cell; it takes sample, annotate, dataset, prime, rl, compare, js',
      },
      { line: 36, field: 'from', message: 'table cell "tab": \'from\' refers to "nowhere", no cell in this notebook' },
      { line: 41, field: 'problems', message: 'sample cell "v": \'problems\' must be a whole number' },
    ]);
    const wrongKind = parseNotebook(
      '```primer model\nid: m\nsource: hub\nname: x\n```\n```primer sample\nid: s\nmodel: m\nproblems: 1\n```\n' +
        '```primer sample\nid: v\nmodel: s\nproblems: 1\n```\n',
    );
    expect(validateNotebook(wrongKind)).toEqual([
      {
        line: 13,
        cellId: 'v',
        field: 'model',
        message: 'sample cell "v": \'model\' refers to "s", a sample cell; it takes model, prime, rl',
      },
    ]);
  });

  it('fills $params from the front matter and rejects unknown ones', () => {
    const ok = parseNotebook(canonical);
    expect(validateNotebook(ok)).toEqual([]);
    const bad = parseNotebook(canonical.replace('problems: $problems', 'problems: $count'));
    expect(() => assertValid(bad)).toThrow(
      "line 33: sample cell \"s1\": 'problems' uses $count, which the front matter's params do not define",
    );
  });
});

describe('shipped notebooks', () => {
  const dir = new URL('../../notebooks/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.md'));

  it('includes the six notebooks of the tour', () => {
    for (const name of [
      '00-start-here-offline',
      '01-do-base-models-have-the-habits',
      '02-priming',
      '03-rl-on-countdown',
      '04-wrong-but-well-behaved',
      '05-classroom-demo',
    ])
      expect(files).toContain(`${name}.md`);
  });

  for (const file of files) {
    it(`${file} parses, validates and round-trips`, () => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const nb = parseNotebook(text);
      expect(nb.warnings).toEqual([]);
      expect(validateNotebook(nb)).toEqual([]);
      expect(typeof nb.meta.title).toBe('string');
      expect(serializeNotebook(nb)).toBe(text);
    });
  }
});

describe('the format guide', () => {
  it('shows an example notebook that parses and validates', () => {
    const guide = readFileSync(new URL('../../src/notebook/format.md', import.meta.url), 'utf8');
    const example = /````markdown\n([\s\S]*?)````/.exec(guide)?.[1] ?? '';
    const nb = parseNotebook(example);
    expect(primerCells(nb).map((c) => c.id)).toEqual(['qwen', 'survey']);
    expect(validateNotebook(nb)).toEqual([]);
  });
});
