import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from '../../src/ui/markdown/parse.ts';

describe('notebook prose reader', () => {
  it('reads headings, paragraphs, lists and code blocks', () => {
    const blocks = parseMarkdown(
      '# Title\n\nSome **bold** and `code`.\nMore text.\n\n- one\n- two\n\n```js\nx < 1\n```\n',
    );
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'list', 'code']);
    expect(blocks[2]).toMatchObject({ kind: 'list', ordered: false });
    expect(blocks[3]).toEqual({ kind: 'code', lang: 'js', text: 'x < 1' });
  });

  it('keeps HTML as text and drops unsafe links', () => {
    expect(parseInline('<img src=x onerror=alert(1)>')).toEqual([
      { kind: 'text', text: '<img src=x onerror=alert(1)>' },
    ]);
    expect(parseInline('[x](javascript:alert(1))')[0].kind).toBe('text');
    expect(parseInline('[paper](https://arxiv.org/abs/2503.01307)')[0]).toMatchObject({
      kind: 'link',
      href: 'https://arxiv.org/abs/2503.01307',
    });
  });

  it('nests emphasis inside strong text', () => {
    expect(parseInline('**a *b* c**')).toEqual([
      {
        kind: 'strong',
        children: [
          { kind: 'text', text: 'a ' },
          { kind: 'em', children: [{ kind: 'text', text: 'b' }] },
          { kind: 'text', text: ' c' },
        ],
      },
    ]);
  });
});
