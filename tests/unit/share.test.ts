import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  MAX_FRAGMENT_CHARS,
  SHARE_PREFIX,
  ShareLinkError,
  decodeShareFragment,
  encodeShareFragment,
} from '../../src/notebook/share.ts';
import { bytesToBase64url } from '../../src/store/base64.ts';

const notebook = readFileSync(new URL('../../notebooks/01-do-base-models-have-the-habits.md', import.meta.url), 'utf8');

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function shareError(fragment: string): Promise<string> {
  try {
    await decodeShareFragment(fragment);
  } catch (error) {
    return error instanceof ShareLinkError ? error.message : `not a ShareLinkError: ${String(error)}`;
  }
  return 'no error';
}

describe('share links', () => {
  it('round-trips a shipped notebook through a compact URL fragment', async () => {
    const fragment = await encodeShareFragment(notebook);
    expect(fragment.startsWith(SHARE_PREFIX)).toBe(true);
    expect(fragment).toMatch(/^nb=[A-Za-z0-9_-]+$/);
    expect(fragment.length).toBeLessThan(notebook.length);
    expect(await decodeShareFragment('#' + fragment)).toBe(notebook);
  });

  it('round-trips non-ASCII text and CRLF exactly', async () => {
    const text = '---\r\ntitle: Ünïcode ✓ 数\r\n---\r\n× ÷ −\r\n';
    expect(await decodeShareFragment(await encodeShareFragment(text))).toBe(text);
  });

  it('rejects broken, foreign and oversized fragments with a clear error', async () => {
    const fragment = await encodeShareFragment(notebook);
    expect(await shareError('#section-2')).toBe('This link does not hold a notebook (no #nb= part)');
    expect(await shareError('nb=abc$def')).toMatch(/not valid base64url/);
    expect(await shareError(fragment.slice(0, fragment.length / 2))).toMatch(/^This link is damaged/);
    expect(await shareError('nb=' + 'A'.repeat(MAX_FRAGMENT_CHARS))).toMatch(/^This link is too long/);
    const bomb = 'nb=' + bytesToBase64url(await deflate(new Uint8Array(2_000_000)));
    expect(bomb.length).toBeLessThan(MAX_FRAGMENT_CHARS);
    expect(await shareError(bomb)).toBe("This link's notebook is larger than 1000000 bytes");
    const notUtf8 = 'nb=' + bytesToBase64url(await deflate(new Uint8Array([0xff, 0xfe, 0x41])));
    expect(await shareError(notUtf8)).toBe('This link is damaged: its notebook is not UTF-8 text');
  });

  it('refuses to share a notebook that contains a key', async () => {
    const leaky =
      notebook + '\n```primer js\nid: leak\n---\nconst key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz";\n```\n';
    await expect(encodeShareFragment(leaky)).rejects.toThrow(
      'This notebook contains an Anthropic API key; remove it before sharing',
    );
    await expect(encodeShareFragment('my pass: hunter2hunter2', ['hunter2hunter2'])).rejects.toThrow(
      'contains a saved API key',
    );
  });

  it('refuses a notebook too large for a link', async () => {
    let random = 1;
    const noise = Array.from({ length: 120_000 }, () =>
      String.fromCharCode(33 + ((random = (random * 48271) % 2147483647) % 90)),
    ).join('');
    await expect(encodeShareFragment(noise)).rejects.toThrow(/too large for a link/);
  });
});
