// Text <-> token ids and chat templates, from a model's own tokenizer.json and tokenizer_config.json, with
// Hugging Face's JavaScript tokenizer and Jinja engine (the same files and templates transformers uses).
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ChatTemplate, parseJsonObject, tokenText, type ChatMessage, type TokenizerConfig } from './chatTemplate.ts';

export type { ChatMessage };

/** What the engine needs of a tokenizer: the model's own (TextTokenizer) or bytes (ByteTokenizer). */
export interface Tokenizer {
  readonly vocabSize?: number;
  readonly hasChatTemplate: boolean;
  /** tokenizer_config.json as read (what a ChatTemplate is made from), where the model has one. */
  readonly config?: TokenizerConfig;
  encode(text: string, addSpecialTokens?: boolean): number[];
  /** A prompt's ids: special tokens are added unless the text already begins with the BOS token (a chat template wrote it). */
  encodePrompt(text: string): number[];
  decode(ids: number[], skipSpecialTokens?: boolean): string;
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt?: boolean): string;
  streamDecoder(): (ids: number[]) => string;
}

/** A decoder that turns a growing list of ids into text deltas, holding back incomplete UTF-8 characters. */
function streamDecoderOf(decode: (ids: number[]) => string): (ids: number[]) => string {
  let emitted = '';
  return (ids) => {
    const text = decode(ids);
    if (text.endsWith('\uFFFD')) return '';
    const delta = text.startsWith(emitted) ? text.slice(emitted.length) : text;
    emitted = text;
    return delta;
  };
}

export class TextTokenizer implements Tokenizer {
  private readonly tokenizer: HfTokenizer;
  private readonly template: ChatTemplate;
  readonly config: TokenizerConfig;

  constructor(tokenizerJson: string, tokenizerConfigJson: string) {
    const json = parseJsonObject(tokenizerJson, 'tokenizer.json');
    this.config = parseJsonObject(tokenizerConfigJson, 'tokenizer_config.json') as TokenizerConfig;
    this.tokenizer = new HfTokenizer(json, this.config);
    this.template = new ChatTemplate(this.config);
  }

  get hasChatTemplate(): boolean {
    return this.template.present;
  }

  /** Token ids of `text`; the tokenizer's own rules decide whether a BOS token is added. */
  encode(text: string, addSpecialTokens = true): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  encodePrompt(text: string): number[] {
    const bos = tokenText(this.config.bos_token);
    return this.encode(text, !(bos && text.startsWith(bos)));
  }

  decode(ids: number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The prompt string the model's chat template makes of `messages`, ending with the assistant's turn. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt = true): string {
    return this.template.apply(messages, addGenerationPrompt);
  }

  streamDecoder(): (ids: number[]) => string {
    return streamDecoderOf((ids) => this.decode(ids));
  }
}

/** Pieces text is cut into before lookup: a tag, a word or a number (with the space before it), one other character. */
const PIECES = / ?<\/?[a-z]+>| ?[A-Za-z']+| ?[0-9]+| ?[^\sA-Za-z0-9]|\s/gu;

export function splitPieces(text: string): string[] {
  return text.match(PIECES) ?? [];
}

/**
 * The tokenizer of models built from scratch, which need no vocabulary file: every UTF-8 byte is a token (ids
 * 0-255), one end-of-text token (256), then optional `pieces` (ids 257…): whole words, numbers and tags fitted to
 * a data set (fitPieces), each one token, so a narrated trace is about a third as many tokens as its bytes. A
 * piece not in the list is spelled in bytes, so every text round-trips.
 */
export class ByteTokenizer implements Tokenizer {
  static readonly EOS = 256;
  readonly vocabSize: number;
  readonly hasChatTemplate = false;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly ids = new Map<string, number>();
  private readonly pieceBytes: Uint8Array[];

  constructor(readonly pieces: readonly string[] = []) {
    this.vocabSize = ByteTokenizer.EOS + 1 + pieces.length;
    this.pieceBytes = pieces.map((p) => this.encoder.encode(p));
    pieces.forEach((p, i) => {
      if (this.ids.has(p)) throw new Error(`tokenizer: the piece ${JSON.stringify(p)} is listed twice`);
      this.ids.set(p, ByteTokenizer.EOS + 1 + i);
    });
  }

  encode(text: string): number[] {
    if (this.pieces.length === 0) return [...this.encoder.encode(text)];
    return splitPieces(text).flatMap((p) => {
      const id = this.ids.get(p);
      return id === undefined ? [...this.encoder.encode(p)] : [id];
    });
  }

  encodePrompt(text: string): number[] {
    return this.encode(text);
  }

  decode(ids: number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      if (id < ByteTokenizer.EOS) bytes.push(id);
      else if (id > ByteTokenizer.EOS) bytes.push(...(this.pieceBytes[id - ByteTokenizer.EOS - 1] ?? []));
    }
    return this.decoder.decode(new Uint8Array(bytes));
  }

  applyChatTemplate(): string {
    throw new Error('a byte-level model has no chat template: use the base prompt template');
  }

  streamDecoder(): (ids: number[]) => string {
    return streamDecoderOf((ids) => this.decode(ids));
  }
}

/** Most word pieces fitPieces keeps by default: each is a row of the model's embedding. */
export const MAX_PIECES = 2048;

/**
 * The pieces (splitPieces) of `texts` worth a token of their own: longer than one byte and seen at least twice,
 * the most frequent first (ties in code-point order), at most `max`. The same texts give the same list.
 */
export function fitPieces(texts: Iterable<string>, max = MAX_PIECES): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) for (const p of splitPieces(text)) counts.set(p, (counts.get(p) ?? 0) + 1);
  const utf8 = new TextEncoder();
  return [...counts]
    .filter(([p, n]) => n >= 2 && utf8.encode(p).length > 1)
    .sort(([a, n], [b, m]) => m - n || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, max)
    .map(([p]) => p);
}
