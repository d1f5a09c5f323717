import { describe, expect, it } from 'vitest';
import { buildPrimingDataset } from '../../src/priming/build.ts';
import { parseSftJsonl, toTrlJsonl } from '../../src/priming/export.ts';

describe('TRL prompt/completion JSONL', () => {
  it('round-trips a dataset: prompt, completion, numbers and target per line', () => {
    const data = buildPrimingDataset({ condition: 'backtracking_verification', count: 8, seed: 9 });
    const text = toTrlJsonl(data);
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(8);
    expect(Object.keys(JSON.parse(text.split('\n')[0]))).toEqual(['prompt', 'completion', 'numbers', 'target']);
    expect(parseSftJsonl(text)).toEqual(
      data.traces.map((t) => ({
        prompt: t.prompt,
        completion: t.completion,
        numbers: t.problem.numbers,
        target: t.problem.target,
      })),
    );
  });

  it('reads the conversational forms, the paper query form and veRL-style nums', () => {
    const lines = [
      {
        messages: [
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: 'A' },
        ],
      },
      {
        prompt: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'Q' },
        ],
        completion: [{ role: 'assistant', content: 'A' }],
      },
      { query: 'Q', completion: 'A', nums: [1, 2], target: 3 },
    ];
    const parsed = parseSftJsonl(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n\n`);
    expect(parsed[0]).toEqual({ prompt: [{ role: 'user', content: 'Q' }], completion: 'A' });
    expect(parsed[1]).toEqual({
      prompt: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Q' },
      ],
      completion: 'A',
    });
    expect(parsed[2]).toEqual({ prompt: 'Q', completion: 'A', numbers: [1, 2], target: 3 });
  });

  it('names the file and line of a bad record', () => {
    const ok = JSON.stringify({ prompt: 'Q', completion: 'A' });
    expect(() => parseSftJsonl(`${ok}\n{oops`, 'sft.jsonl')).toThrow(/^sft\.jsonl line 2: not valid JSON/);
    expect(() => parseSftJsonl(`${ok}\n${ok}\n{"prompt": "Q"}`, 'sft.jsonl')).toThrow(
      /sft\.jsonl line 3: needs "prompt"/,
    );
    expect(() => parseSftJsonl('[1, 2]', 'x')).toThrow(/x line 1: expected a JSON object/);
    expect(() => parseSftJsonl('{"messages": [{"role": "user", "content": "Q"}]}', 'x')).toThrow(
      /must end with an assistant message/,
    );
    expect(() =>
      parseSftJsonl('{"messages": [{"role": "bot", "content": "Q"}, {"role": "assistant", "content": "A"}]}', 'x'),
    ).toThrow(/messages\[0\]/);
    expect(() => parseSftJsonl('{"prompt": "Q", "completion": [{"role": "user", "content": "A"}]}', 'x')).toThrow(
      /from the assistant/,
    );
    expect(() => parseSftJsonl('{"prompt": "Q", "completion": "A", "numbers": [1, "2"]}', 'x')).toThrow(
      /"numbers" must be a list of integers/,
    );
    expect(() => parseSftJsonl('\n\n', 'empty.jsonl')).toThrow(/empty\.jsonl: no examples/);
  });
});
