import { describe, expect, it } from 'vitest';
import {
  annotationFromQuotes,
  judgeFailures,
  judgeTrace,
  type AskJudge,
  type JudgeTurn,
} from '../../src/behaviors/judge.ts';
import { JudgeFormatError, parseJudgeOutput } from '../../src/behaviors/judgeParse.ts';
import { JUDGE_SYSTEM_PROMPT, judgeUserMessage } from '../../src/behaviors/judgePrompt.ts';
import { createJudgeAnnotator, defaultJudgeModel, judgeKind } from '../../src/behaviors/judgeAnnotator.ts';
import { ClaudeJudge } from '../../src/behaviors/judgeClaude.ts';
import { LocalJudge } from '../../src/behaviors/judgeLocal.ts';
import type { Trace } from '../../src/behaviors/types.ts';
import type { GenerateRequest, Generation, TextGenerator } from '../../src/tasks/types.ts';

const trace: Trace = {
  problem: { numbers: [25, 6, 3], target: 44 },
  completion: [
    '<think>',
    'First I want to get close to 44 with 25 and 6.',
    '25 + 6 = 31. 31 is not 44.',
    'Let me try something else: 25 - 6 = 19, then 19 * 3 = 57, too big.',
    '44 - 25 = 19, so I need 19 from 6 and 3.',
    '6 * 3 = 18, 18 + 25 = 43, not 44.',
    '</think>',
    '<answer> 25 + 6 * 3 </answer>',
  ].join('\n'),
};

const block = (o: object) => `<annotation>\n${JSON.stringify(o)}\n</annotation>`;

describe('parseJudgeOutput', () => {
  it('reads the JSON object inside the annotation tags', () => {
    const quotes = parseJudgeOutput(
      `Here it is.\n${block({ verification: ['a', 'b'], backtracking: [], subgoal: ['c'], backward: [] })}`,
    );
    expect(quotes).toEqual({ verification: ['a', 'b'], backtracking: [], subgoal: ['c'], backward: [] });
  });

  it('tolerates code fences, a missing closing tag, trailing commas, wrapped quotes and key spellings', () => {
    const reply =
      '<annotation>\n```json\n{"Verification": [{"quote": "x"},], "backtracking": ["y"], "subgoal_setting": [], "backward chaining": ["z"]}\n```';
    expect(parseJudgeOutput(reply)).toEqual({ verification: ['x'], backtracking: ['y'], subgoal: [], backward: ['z'] });
  });

  it('names the cause of an unreadable reply', () => {
    expect(() => parseJudgeOutput('I found two verifications.')).toThrow(/no <annotation> block and no JSON object/);
    expect(() => parseJudgeOutput('<annotation>none</annotation>')).toThrow(/holds no JSON object/);
    expect(() => parseJudgeOutput('<annotation>{"verification": [1}</annotation>')).toThrow(/not valid JSON/);
    expect(() => parseJudgeOutput(block({ verification: [], backtracking: [], subgoal: [] }))).toThrow(
      /no "backward" key/,
    );
    expect(() => parseJudgeOutput(block({ verification: 'a', backtracking: [], subgoal: [], backward: [] }))).toThrow(
      /"verification" is not a list/,
    );
    expect(() =>
      parseJudgeOutput(block({ verification: ['a', 2], backtracking: [], subgoal: [], backward: [] })),
    ).toThrow(/"verification" item 2 is not a quoted string/);
    expect(() => parseJudgeOutput('[]')).toThrow(JudgeFormatError);
  });
});

describe('annotationFromQuotes', () => {
  it('counts every quote, aligns those it can find and reports the rest', () => {
    const a = annotationFromQuotes(
      trace,
      {
        verification: ['31 is not 44', 'too big', 'not 44', 'that equals the target exactly'],
        backtracking: ['Let me try something else'],
        subgoal: ['first i want to get close to 44'],
        backward: ['44 - 25 = 19, so I need 19'],
      },
      'judge',
    );
    expect(a.counts).toEqual({ verification: 4, backtracking: 1, subgoal: 1, backward: 1 });
    expect(a.unaligned).toEqual([{ behavior: 'verification', quote: 'that equals the target exactly' }]);
    expect(a.spans).toHaveLength(6);
    for (const span of a.spans) expect(trace.completion.slice(span.start, span.end)).toBe(span.evidence);
    // "not 44" occurs twice; the first is inside the already placed "31 is not 44", so it lands on the second.
    const notSpans = a.spans.filter((s) => s.behavior === 'verification' && s.evidence === 'not 44');
    expect(notSpans).toHaveLength(1);
    expect(notSpans[0].start).toBe(trace.completion.lastIndexOf('not 44'));
    expect(a.spans.find((s) => s.behavior === 'subgoal')?.evidence).toBe('First I want to get close to 44');
    expect(a.alignment[a.spans.findIndex((s) => s.behavior === 'subgoal')]).toBe('normalised');
    expect(a.spans.map((s) => s.start)).toEqual([...a.spans.map((s) => s.start)].sort((x, y) => x - y));
  });
});

describe('the judge prompt', () => {
  it('holds a worked example whose annotation parses and whose every quote aligns to its reasoning', () => {
    const reasoning = /<reasoning>\n([\s\S]*?)\n<\/reasoning>/.exec(JUDGE_SYSTEM_PROMPT)![1];
    const example: Trace = { problem: { numbers: [7, 4, 9], target: 19 }, completion: reasoning };
    const exampleBlock = /<annotation>[\s\S]*?<\/annotation>/.exec(JUDGE_SYSTEM_PROMPT)![0];
    const a = annotationFromQuotes(example, parseJudgeOutput(exampleBlock), 'judge');
    expect(a.counts).toEqual({ verification: 3, backtracking: 2, subgoal: 1, backward: 1 });
    expect(a.unaligned).toEqual([]);
    expect(a.alignment.every((m) => m === 'exact')).toBe(true);
  });
});

describe('judgeTrace', () => {
  const valid = block({ verification: ['31 is not 44'], backtracking: [], subgoal: [], backward: [] });

  it('asks once more with the cause when the first reply cannot be read', async () => {
    const asked: JudgeTurn[][] = [];
    const replies = ['Verification: 1', valid];
    const ask: AskJudge = async (turns) => (asked.push(turns), { text: replies.shift()! });
    const a = await judgeTrace(trace, ask, 'judge');
    expect(a.error).toBeUndefined();
    expect(a.calls).toBe(2);
    expect(a.counts.verification).toBe(1);
    expect(asked[1].map((t) => t.role)).toEqual(['user', 'assistant', 'user']);
    expect(asked[1][1].text).toBe('Verification: 1');
    expect(asked[1][2].text).toMatch(/could not be read: the reply has no <annotation> block/);
  });

  it('gives an annotation carrying the error when the retry is unreadable too', async () => {
    const a = await judgeTrace(trace, async () => ({ text: 'no idea' }), 'judge');
    expect(a.error).toMatch(/unreadable judge reply after one retry: the reply has no <annotation> block/);
    expect(a.counts).toEqual({ verification: 0, backtracking: 0, subgoal: 0, backward: 0 });
    expect(judgeFailures([a])).toEqual([{ index: 0, error: a.error }]);
  });
});

/** A generator that answers judge prompts from a script and records what it was asked. */
class ScriptedGenerator implements TextGenerator {
  readonly name = 'scripted-judge';
  readonly requests: GenerateRequest[] = [];
  constructor(private readonly reply: (prompt: string, call: number) => string) {}
  async generate(request: GenerateRequest): Promise<Generation[]> {
    this.requests.push(request);
    const call = this.requests.length;
    return request.prompts.map((p) => ({ text: this.reply(p, call), tokens: 10, finish: 'stop' }));
  }
}

describe('LocalJudge', () => {
  const traces: Trace[] = [0, 1, 2, 3, 4].map((i) => ({ ...trace, completion: `${trace.completion}\nrun ${i}` }));
  // The prompt is prefilled with "<annotation>\n", so replies start at the JSON.
  const jsonFor = (prompt: string) => {
    const run = /run (\d)/.exec(prompt)![1];
    return `${JSON.stringify({ verification: [`run ${run}`], backtracking: [], subgoal: [], backward: [] })}\n</annotation>`;
  };

  it('sends the judge prompt greedily in batches and reads the same format', async () => {
    const generator = new ScriptedGenerator(jsonFor);
    const progress: number[] = [];
    const judge = new LocalJudge({ generator, batchSize: 2, onProgress: (p) => progress.push(p.done) });
    const out = await judge.annotate(traces);
    expect(judge.name).toBe('local:scripted-judge');
    expect(generator.requests.map((r) => r.prompts.length)).toEqual([2, 2, 1]);
    for (const r of generator.requests) {
      expect(r.temperature).toBe(0);
      expect(r.stop).toEqual(['</annotation>']);
    }
    const prompt = generator.requests[0].prompts[0];
    expect(prompt.startsWith(JUDGE_SYSTEM_PROMPT)).toBe(true);
    expect(prompt).toContain(judgeUserMessage(traces[0]));
    expect(prompt.endsWith('Assistant: <annotation>\n')).toBe(true);
    expect(progress).toEqual([2, 4, 5]);
    out.forEach((a, i) => {
      expect(a.annotator).toBe('local:scripted-judge');
      expect(a.counts.verification).toBe(1);
      expect(a.spans[0].start).toBe(traces[i].completion.indexOf(`run ${i}`));
    });
  });

  it('retries the unreadable replies of a batch together, with a custom prompt format', async () => {
    const generator = new ScriptedGenerator((prompt, call) =>
      call === 1 && prompt.includes('run 1') ? 'nonsense' : jsonFor(prompt),
    );
    const format = (system: string, turns: JudgeTurn[]) =>
      `<s>${system}</s>${turns.map((t) => `<${t.role}>${t.text}`).join('')}<assistant><annotation>\n`;
    const judge = new LocalJudge({ generator, batchSize: 3, format });
    const out = await judge.annotate(traces.slice(0, 3));
    expect(generator.requests.map((r) => r.prompts.length)).toEqual([3, 1]);
    const retry = generator.requests[1].prompts[0];
    expect(retry).toContain('<assistant><annotation>\nnonsense<user>Your reply could not be read');
    expect(out.map((a) => a.calls)).toEqual([1, 2, 1]);
    expect(out.every((a) => a.error === undefined)).toBe(true);
  });
});

describe('createJudgeAnnotator', () => {
  it('builds the judge a --judge value names, and picks a cheap model when none is named', () => {
    expect(judgeKind('claude')).toBe('claude');
    expect(() => judgeKind('gpt')).toThrow('--judge must be one of claude, local, got "gpt"');
    const claude = createJudgeAnnotator({ judge: 'claude', apiKey: 'k', model: 'claude-x' });
    expect(claude).toBeInstanceOf(ClaudeJudge);
    expect(claude.name).toBe('claude:claude-x');
    const local = createJudgeAnnotator({ judge: 'local', generator: new ScriptedGenerator(() => '') });
    expect(local).toBeInstanceOf(LocalJudge);
    const model = (id: string) => ({ id, displayName: id, createdAt: '' });
    expect(defaultJudgeModel([model('claude-opus-9'), model('claude-haiku-9'), model('claude-haiku-8')])).toBe(
      'claude-haiku-9',
    );
    expect(defaultJudgeModel([model('claude-opus-9')])).toBe('claude-opus-9');
    expect(() => defaultJudgeModel([])).toThrow(/lists no models/);
  });
});
