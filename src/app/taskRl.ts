// RL on a Task, for the engine Worker and `primer grpo` alike: the Task renders every prompt (rollouts and
// held-out evaluation under the same template) and scores every completion; the engine's trainer sees only
// prompt texts and a score function, and this adds the task's view of each step (accuracy, behaviors).
import { summarizeStep, type StepMetrics } from '../behaviors/metrics.ts';
import { annotateSpans } from '../behaviors/rules.ts';
import type { Annotation } from '../behaviors/types.ts';
import type { Decoder } from '../engine/model/decoder.ts';
import {
  runGrpo,
  type GrpoCallbacks,
  type GrpoRollout,
  type GrpoSettings,
  type GrpoStepMetrics,
} from '../engine/train/grpo.ts';
import type { TrainCallbacks, TrainOutcome } from '../engine/train/trainLoop.ts';
import { taskPrompts } from './rlEval.ts';
import { taskNamed } from '../tasks/registry.ts';
import type { PromptTemplate } from '../tasks/task.ts';
import type { CountdownProblem } from '../tasks/types.ts';

/**
 * An RL run: GRPO on `problems` of a named task under a prompt template. The policy also answers
 * `evalProblems` (held out, temperature 1, as the paper measured accuracy) before the first update (step 0),
 * then after every `evalEvery` updates and after the last, each labelled with the updates taken.
 */
export type RlJob = GrpoSettings & {
  task: string;
  template: PromptTemplate;
  problems: CountdownProblem[];
  evalEvery?: number;
  evalProblems?: CountdownProblem[];
};

export type RlStepMetrics = GrpoStepMetrics & StepMetrics;

export type TaskRollout = Omit<GrpoRollout, 'problem'> & { problem: CountdownProblem; annotation: Annotation };

export interface TaskRlCallbacks extends TrainCallbacks<RlStepMetrics>, Pick<GrpoCallbacks, 'onPolicy'> {
  onRollouts?: (rollouts: TaskRollout[]) => void | Promise<void>;
}

export async function runTaskRl(decoder: Decoder, job: RlJob, callbacks: TaskRlCallbacks): Promise<TrainOutcome> {
  const task = taskNamed(job.task);
  let summary: StepMetrics | undefined;
  return runGrpo(
    decoder,
    {
      ...job,
      problemPrompts: taskPrompts(decoder, job.task, job.problems, job.template),
      score: (completion, i) => task.reward(completion, job.problems[i]),
    },
    {
      signal: callbacks.signal,
      onCheckpoint: callbacks.onCheckpoint,
      onPolicy: callbacks.onPolicy,
      onProgress: callbacks.onProgress,
      onRollouts: async (rows) => {
        const full = rows.map((r): TaskRollout => {
          const problem = job.problems[r.problem];
          return { ...r, problem, annotation: annotateSpans(task.hints(problem), r.completion) };
        });
        summary = summarizeStep(rows[0]?.step ?? 0, full);
        await callbacks.onRollouts?.(full);
      },
      onStep: (m) => callbacks.onStep?.({ ...summary!, ...m }),
    },
  );
}
