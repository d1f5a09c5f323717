// Who annotates a set of traces (the rules, Claude with the user's key, or a local model), and how far a judge
// agrees with the rules on them: the annotate cell and the view of an imported run's completions both use it.
import { annotatorAgreement } from '../behaviors/agreement.ts';
import { listClaudeModels } from '../behaviors/claudeClient.ts';
import { createJudgeAnnotator, defaultJudgeModel } from '../behaviors/judgeAnnotator.ts';
import { annotateSpans } from '../behaviors/rules.ts';
import { BEHAVIORS, type Annotation, type Trace } from '../behaviors/types.ts';
import type { TextGenerator } from '../tasks/types.ts';

export type TraceJudge =
  | { annotator: 'rules' }
  /** Without a model, the newest Haiku the key lists. */
  | { annotator: 'claude'; apiKey?: string; model?: string; baseURL?: string }
  | { annotator: 'local'; generator: TextGenerator };

export async function judgeTraces(judge: TraceJudge, traces: Trace[], signal?: AbortSignal): Promise<Annotation[]> {
  if (judge.annotator === 'rules') return traces.map((t) => annotateSpans(t.problem, t.completion));
  if (judge.annotator === 'local') {
    return createJudgeAnnotator({ judge: 'local', generator: judge.generator }).annotate(traces, signal);
  }
  const { apiKey, baseURL } = judge;
  if (!apiKey) throw new Error('annotator: claude needs an Anthropic API key: add it under Settings');
  const model = judge.model ?? defaultJudgeModel(await listClaudeModels(apiKey, baseURL, signal));
  return createJudgeAnnotator({ judge: 'claude', apiKey, model, baseURL }).annotate(traces, signal);
}

/**
 * How far an independent judge agrees with the rule annotator on these traces: the rules made the offline
 * priming data, so behavior counts by the rules alone would measure with the ruler that built the data.
 */
export function agreementNotes(traces: Trace[], labels: Annotation[]): string[] {
  const rules = traces.map((t) => annotateSpans(t.problem, t.completion));
  let report;
  try {
    report = annotatorAgreement(rules, labels);
  } catch (err) {
    return [`No agreement with the rule annotator: ${err instanceof Error ? err.message : String(err)}`];
  }
  const kappa = (k: number | null) => (k === null ? 'undefined' : k.toFixed(2));
  const per = BEHAVIORS.map((b) => {
    const r = report.perBehavior[b];
    return `${b} ${(100 * r.presenceAccuracy).toFixed(0)}% (κ ${kappa(r.kappa)}; rules ${(100 * r.presentRateA).toFixed(0)}%, judge ${(100 * r.presentRateB).toFixed(0)}% of traces)`;
  });
  return [
    `Agreement of ${report.annotatorB} with the rule annotator on ${report.compared} traces` +
      `${report.skipped.length ? ` (${report.skipped.length} left out: the judge failed)` : ''}: ` +
      `presence ${(100 * report.summary.meanPresenceAccuracy).toFixed(0)}%, mean κ ${kappa(report.summary.meanKappa)}, ` +
      `mean count difference ${report.summary.meanAbsCountDiff.toFixed(2)}.`,
    `Per behavior: ${per.join('; ')}.`,
  ];
}
