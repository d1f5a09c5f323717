// A small Markdown reader for notebook prose: headings, paragraphs, lists, quotes and code blocks, with
// inline code, bold, italic and links. It yields plain data that components render as text nodes, so a
// notebook from a link can never inject HTML.

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] };

export type Block =
  | { kind: 'heading'; level: number; content: Inline[] }
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] }
  | { kind: 'quote'; content: Inline[] }
  | { kind: 'code'; lang: string; text: string };

const INLINE = /(`[^`]+`)|(\*\*(?:[^*]|\*[^*]+\*)+?\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/;

/** Only http(s), relative and fragment links are kept; anything else (javascript:, data:) becomes text. */
function safeHref(href: string): string | null {
  return /^(https?:\/\/|#|\.{0,2}\/)/i.test(href) ? href : null;
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push({ kind: 'text', text: rest });
      break;
    }
    if (m.index > 0) out.push({ kind: 'text', text: rest.slice(0, m.index) });
    const tok = m[0];
    if (m[1]) out.push({ kind: 'code', text: tok.slice(1, -1) });
    else if (m[2]) out.push({ kind: 'strong', children: parseInline(tok.slice(2, -2)) });
    else if (m[3]) out.push({ kind: 'em', children: parseInline(tok.slice(1, -1)) });
    else {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(tok)!;
      const safe = safeHref(href);
      out.push(safe ? { kind: 'link', href: safe, children: parseInline(label) } : { kind: 'text', text: tok });
    }
    rest = rest.slice(m.index + tok.length);
  }
  return out;
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = /^(`{3,}|~{3,})\s*(\S*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith(fence[1]); i++) body.push(lines[i]);
      blocks.push({ kind: 'code', lang: fence[2], text: body.join('\n') });
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length, content: parseInline(heading[2]) });
      i++;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: Inline[][] = [];
      for (; i < lines.length && lines[i].trim(); i++) {
        const item = LIST_ITEM.exec(lines[i]);
        if (item) items.push(parseInline(item[2]));
        else items[items.length - 1].push({ kind: 'text', text: ' ' }, ...parseInline(lines[i].trim()));
      }
      blocks.push({ kind: 'list', ordered, items });
      continue;
    }
    const para: string[] = [];
    const quote = line.startsWith('>');
    for (; i < lines.length && lines[i].trim() && !/^(#{1,6}\s|`{3,}|~{3,})/.test(lines[i]); i++) {
      if (!quote && LIST_ITEM.test(lines[i])) break;
      para.push(quote ? lines[i].replace(/^>\s?/, '') : lines[i].trim());
    }
    const content = parseInline(para.join(' '));
    blocks.push(quote ? { kind: 'quote', content } : { kind: 'paragraph', content });
  }
  return blocks;
}
