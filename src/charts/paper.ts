// The paper's published curves, for overlaying on a user's own runs. Figures from Gandhi et al. (2025),
// "Cognitive Behaviors that Enable Self-Improving Reasoners", results/ of kanishkg/cognitive-behaviors
// (Apache-2.0); regenerate with scripts/paper-results.mjs.
import type { Behavior } from '../behaviors/types.ts';
import data from './paperResults.json';
import type { LineSeries } from './spec.ts';

export const PAPER_CITATION =
  'Gandhi et al. (2025), Cognitive Behaviors that Enable Self-Improving Reasoners; results/ of kanishkg/cognitive-behaviors (Apache-2.0)';

export interface PaperPoint {
  step: number;
  accuracy: number;
  verification: number;
  backtracking: number;
  subgoal: number;
  backward: number;
  /** Mean response length in characters; missing in a few of the paper's rows. */
  length: number | null;
}

export type PaperModel = 'qwen2.5-3b' | 'llama-3.2-3b';
export const PAPER_MODEL_LABELS: Record<PaperModel, string> = {
  'qwen2.5-3b': 'Qwen-2.5-3B',
  'llama-3.2-3b': 'Llama-3.2-3B',
};

const results: Record<PaperModel, Record<string, PaperPoint[]>> = data;

export function paperConditions(model: PaperModel): string[] {
  return Object.keys(results[model] ?? {}).sort();
}

export function paperPoints(model: PaperModel, condition: string): PaperPoint[] {
  const points = results[model]?.[condition];
  if (!points) throw new Error(`the paper has no "${condition}" run for ${model}`);
  return points;
}

/** One metric of one paper run as a dashed reference series. */
export function paperSeries(
  model: PaperModel,
  condition: string,
  metric: 'accuracy' | 'length' | Behavior,
): LineSeries {
  return {
    label: `paper: ${PAPER_MODEL_LABELS[model]} ${condition}`,
    points: paperPoints(model, condition)
      .filter((p) => p[metric] !== null)
      .map((p) => [p.step, p[metric] as number]),
    dashed: true,
  };
}
