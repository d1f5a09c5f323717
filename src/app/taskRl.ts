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
import { ProblemSequence } from '../tasks/problemSequence.ts';
import { taskNamed } from '../tasks/registry.ts';
import { chatTemplateOf, renderPrompt, type PromptTemplate } from '../tasks/task.ts';
import type { CountdownProblem } from '../tasks/types.ts';

/**
 * An RL run: GRPO on `problems` of a named task under a prompt template. The policy also answers
 * `evalProblems` (held out, temperature 1, as the paper measured accuracy) before the first update (step 0),
 * then after every `evalEvery` updates and after the last, each labelled with the updates taken.
 */
export type RlJob = GrpoSettings & {
  task: string;
  template: PromptTemplate;
  /** The problems themselves (e.g. the paper's data set), or the task's training problems made as the run reaches them. */
  problems: CountdownProblem[] | DrawnProblems;
  evalEvery?: number;
  evalProblems?: CountdownProblem[];
};

/** `count` training problems of the job's task from `seed`, the same as `task.problems('train', count, seed)`. */
export interface DrawnProblems {
  count: number;
  seed: number;
}

export type RlStepMetrics = GrpoStepMetrics & StepMetrics;

export type TaskRollout = Omit<GrpoRollout, 'problem'> & { problem: CountdownProblem; annotation: Annotation };

export interface TaskRlCallbacks extends TrainCallbacks<RlStepMetrics>, Pick<GrpoCallbacks, 'onPolicy'> {
  onRollouts?: (rollouts: TaskRollout[]) => void | Promise<void>;
}

export async function runTaskRl(decoder: Decoder, job: RlJob, callbacks: TaskRlCallbacks): Promise<TrainOutcome> {
  const task = taskNamed(job.task);
  const problems = problemsOf(job);
  const chat = chatTemplateOf(decoder.tokenizer);
  let summary: StepMetrics | undefined;
  return runGrpo(
    decoder,
    {
      ...job,
      problemPrompts: { count: problems.count, at: (i) => renderPrompt(task, problems.at(i), job.template, chat) },
      score: (completion, i) => task.reward(completion, problems.at(i)),
    },
    {
      signal: callbacks.signal,
      onCheckpoint: callbacks.onCheckpoint,
      onPolicy: callbacks.onPolicy,
      onProgress: callbacks.onProgress,
      onRollouts: async (rows) => {
        const full = rows.map((r): TaskRollout => {
          const problem = problems.at(r.problem);
          return { ...r, problem, annotation: annotateSpans(task.hints(problem), r.completion) };
        });
        summary = summarizeStep(rows[0]?.step ?? 0, full);
        await callbacks.onRollouts?.(full);
      },
      onStep: (m) => callbacks.onStep?.({ ...summary!, ...m }),
    },
  );
}

/** The job's problems by index: a list given, or the task's made step by step. */
function problemsOf(job: RlJob): { count: number; at(i: number): CountdownProblem } {
  const given = job.problems;
  if (Array.isArray(given)) return { count: given.length, at: (i) => given[i] };
  const drawn = given as DrawnProblems;
  return new ProblemSequence(taskNamed(job.task), 'train', drawn.count, drawn.seed);
}
