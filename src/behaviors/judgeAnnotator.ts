// One entry point for callers that pick a judge by name (the annotate command's `--judge`, the UI):
// a Claude model through the API or a local model that can generate.
import type { ClaudeModel } from './claudeClient.ts';
import type { JudgeAnnotation } from './judge.ts';
import { ClaudeJudge, type ClaudeJudgeOptions } from './judgeClaude.ts';
import { LocalJudge, type LocalJudgeOptions } from './judgeLocal.ts';
import type { Annotator, Trace } from './types.ts';

export const JUDGE_KINDS = ['claude', 'local'] as const;
export type JudgeKind = (typeof JUDGE_KINDS)[number];

export type JudgeSpec = ({ judge: 'claude' } & ClaudeJudgeOptions) | ({ judge: 'local' } & LocalJudgeOptions);

export interface JudgeAnnotator extends Annotator {
  annotate(traces: Trace[], signal?: AbortSignal): Promise<JudgeAnnotation[]>;
}

export function judgeKind(value: string): JudgeKind {
  const kind = JUDGE_KINDS.find((k) => k === value);
  if (!kind) throw new Error(`--judge must be one of ${JUDGE_KINDS.join(', ')}, got "${value}"`);
  return kind;
}

export function createJudgeAnnotator(spec: JudgeSpec): JudgeAnnotator {
  return spec.judge === 'claude' ? new ClaudeJudge(spec) : new LocalJudge(spec);
}

/**
 * The judge model to use when none is named: the newest Haiku the key can call (a cheap model, as
 * the paper's gpt-4o-mini was), else the newest model listed.
 */
export function defaultJudgeModel(models: readonly ClaudeModel[]): string {
  const model = models.find((m) => /haiku/i.test(m.id)) ?? models[0];
  if (!model) throw new Error('this Anthropic key lists no models to judge with');
  return model.id;
}
