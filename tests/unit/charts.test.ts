import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarizeStep } from '../../src/behaviors/metrics.ts';
import { paperConditions, paperPoints, paperSeries } from '../../src/charts/paper.ts';
import { accuracyChart, behaviorBars, behaviorChart } from '../../src/charts/runCharts.ts';
import { chartToSvg, niceTicks } from '../../src/charts/svg.ts';

const annotation = (v: number, b: number) => ({
  annotator: 'rules',
  spans: [],
  counts: { verification: v, backtracking: b, subgoal: 0, backward: 0 },
});

describe('step metrics and charts', () => {
  it('summarises a step: accuracy is binary, behaviors are means and shares over annotated completions', () => {
    const m = summarizeStep(3, [
      { completion: 'abcd', reward: 1, annotation: annotation(2, 1) },
      { completion: 'ab', reward: 0.1, annotation: annotation(0, 3) },
      { completion: '', reward: 0 },
    ]);
    expect(m.accuracy).toBeCloseTo(1 / 3);
    expect(m.meanReward).toBeCloseTo(1.1 / 3);
    expect(m.meanLength).toBe(2);
    expect(m.behaviors).toEqual({ verification: 1, backtracking: 2, subgoal: 0, backward: 0 });
    expect(m.shown).toEqual({ verification: 0.5, backtracking: 1, subgoal: 0, backward: 0 });
  });

  it('keeps the paper figures equal to the published tables', () => {
    const csv = 'reference/paper-results/llama_results.csv';
    const row = readFileSync(csv, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('all_strategies,250,'))!
      .split(',');
    const p = paperPoints('llama-3.2-3b', 'all_strategies').find((x) => x.step === 250)!;
    expect(p.accuracy).toBeCloseTo(Number(row[10]), 4);
    expect(p.verification).toBeCloseTo(Number(row[2]), 4);
    expect(paperConditions('qwen2.5-3b')).toContain('base_ppo');
    expect(() => paperPoints('qwen2.5-3b', 'nope')).toThrow(/no "nope" run/);
  });

  it('draws overlaid runs and the paper reference as SVG with escaped labels', () => {
    const run = {
      label: 'mine <primed>',
      steps: [summarizeStep(0, [{ completion: 'x', reward: 0 }]), summarizeStep(1, [{ completion: 'x', reward: 1 }])],
    };
    const chart = accuracyChart([run], [{ model: 'llama-3.2-3b', condition: 'all_strategies' }]);
    expect(chart.series).toHaveLength(2);
    expect(chart.series[1].dashed).toBe(true);
    const svg = chartToSvg(chart);
    expect(svg).toContain('mine &lt;primed&gt;');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
    expect(
      chartToSvg(behaviorChart(run, { model: 'qwen2.5-3b', condition: 'base_ppo' })).match(/<polyline/g),
    ).toHaveLength(8);
    const bars = chartToSvg(
      behaviorBars([
        { label: 'Qwen', counts: annotation(1, 2).counts },
        { label: 'Llama', counts: annotation(0, 1).counts },
      ]),
    );
    expect(bars.match(/<rect /g)!.length).toBe(1 + 8);
    expect(paperSeries('qwen2.5-3b', 'base_ppo', 'accuracy').points[0]).toEqual([0, 0.0059]);
  });

  it('picks round tick values', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 250)).toEqual([0, 50, 100, 150, 200, 250]);
  });
});
