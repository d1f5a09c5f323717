// Share a notebook by link: its text, deflate-raw compressed and base64url encoded, in the URL fragment
// (#nb=...). The fragment never reaches a server. Notebooks hold no secrets, and encoding refuses text
// that contains a saved key or anything shaped like an API key, in case one was pasted into a cell.
import { base64urlToBytes, bytesToBase64url } from '../store/base64.ts';
import { findSecret } from '../store/secrets.ts';

export const SHARE_PREFIX = 'nb=';
/** A student's link: the same notebook, opened read-only (#view=...). */
export const VIEW_PREFIX = 'view=';
/** Longer links get cut by chat apps and some browsers; past this, share the file instead. */
export const MAX_FRAGMENT_CHARS = 64_000;
/** The largest notebook a link may unpack to (guards against a tiny link that inflates enormously). */
export const MAX_NOTEBOOK_BYTES = 1_000_000;

export class ShareLinkError extends Error {
  override name = 'ShareLinkError';
}

/** The fragment (without '#') that carries `text`. `knownSecrets` are values that must not leak. */
export async function encodeShareFragment(text: string, knownSecrets: readonly string[] = []): Promise<string> {
  const secret = findSecret(text, knownSecrets);
  if (secret) throw new ShareLinkError(`This notebook contains ${secret}; remove it before sharing`);
  const compressed = await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw'), Infinity);
  const fragment = SHARE_PREFIX + bytesToBase64url(compressed);
  if (fragment.length > MAX_FRAGMENT_CHARS) {
    throw new ShareLinkError(
      `This notebook is too large for a link (${fragment.length} characters, at most ${MAX_FRAGMENT_CHARS}); download it as a file instead`,
    );
  }
  return fragment;
}

/** The read-only (student's) form of a fragment made by encodeShareFragment. */
export function viewFragment(shareFragment: string): string {
  return VIEW_PREFIX + shareFragment.slice(SHARE_PREFIX.length);
}

/** The notebook text in a fragment made by encodeShareFragment or viewFragment ('#' optional). */
export async function decodeShareFragment(fragment: string): Promise<string> {
  const hashless = fragment.replace(/^#/, '');
  const body = hashless.startsWith(VIEW_PREFIX) ? SHARE_PREFIX + hashless.slice(VIEW_PREFIX.length) : hashless;
  if (!body.startsWith(SHARE_PREFIX)) throw new ShareLinkError('This link does not hold a notebook (no #nb= part)');
  if (body.length > MAX_FRAGMENT_CHARS)
    throw new ShareLinkError(`This link is too long (${body.length} characters, at most ${MAX_FRAGMENT_CHARS})`);
  let bytes: Uint8Array;
  try {
    bytes = base64urlToBytes(body.slice(SHARE_PREFIX.length));
  } catch {
    throw new ShareLinkError('This link is damaged: the notebook part is not valid base64url (was it cut short?)');
  }
  let text: Uint8Array;
  try {
    text = await pipe(bytes, new DecompressionStream('deflate-raw'), MAX_NOTEBOOK_BYTES);
  } catch (error) {
    if (error instanceof ShareLinkError) throw error;
    throw new ShareLinkError('This link is damaged: its notebook does not decompress (was it cut short?)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch {
    throw new ShareLinkError('This link is damaged: its notebook is not UTF-8 text');
  }
}

/** Runs bytes through a (de)compression stream, stopping with an error past `limit` output bytes. */
async function pipe(
  input: Uint8Array,
  transform: CompressionStream | DecompressionStream,
  limit: number,
): Promise<Uint8Array> {
  const reader = new Blob([input as BlobPart]).stream().pipeThrough(transform).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new ShareLinkError(`This link's notebook is larger than ${limit} bytes`);
    }
    chunks.push(next.value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
