// The data files of a job, in each engine's own layout. veRL reads Parquet: RL rows as its RLHFDataset
// expects them (data_source, prompt as chat messages, ability, reward_model.ground_truth, extra_info;
// verl/utils/dataset/rl_dataset.py) and SFT rows as prompt/response columns (sft_dataset.py). TRL reads
// JSONL through `datasets`: prompt/completion for SFTTrainer, prompt plus numbers/target columns for
// GRPOTrainer (the columns reach the reward function as keyword arguments).
import { renderPrompt, type PromptTemplate, type Task } from '../tasks/task.ts';
import type { ChatMessage, CountdownProblem } from '../tasks/types.ts';
import type { ParquetSchema } from './parquet.ts';
import type { PrimingExample } from './plan.ts';

export const VERL_RL_SCHEMA: ParquetSchema = {
  data_source: 'string',
  prompt: { list: { struct: { role: 'string', content: 'string' } } },
  ability: 'string',
  reward_model: {
    struct: { style: 'string', ground_truth: { struct: { target: 'int64', numbers: { list: 'int64' } } } },
  },
  extra_info: { struct: { split: 'string', index: 'int64' } },
};

export const VERL_SFT_SCHEMA: ParquetSchema = { prompt: 'string', response: 'string' };

/** The problems of an RL split, and the Task whose prompt they are written in. */
export interface RlRows {
  task: Task<CountdownProblem>;
  template: PromptTemplate;
  problems: CountdownProblem[];
}

/** The RL prompt as chat messages: the task's plain-text prompt as one user turn, or its chat messages. */
export function rlMessages(
  task: Task<CountdownProblem>,
  problem: CountdownProblem,
  template: PromptTemplate,
): ChatMessage[] {
  if (template === 'base') return [{ role: 'user', content: renderPrompt(task, problem, 'base') }];
  return task.prompt(problem, 'chat').messages;
}

/** veRL routes a row's reward by data_source: the task's name. */
export function verlRlRows({ task, template, problems }: RlRows, split: string) {
  return problems.map((problem, index) => ({
    data_source: task.name,
    prompt: rlMessages(task, problem, template),
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: { target: problem.target, numbers: problem.numbers } },
    extra_info: { split, index },
  }));
}

export function verlSftRows(examples: PrimingExample[]) {
  return examples.map((e) => ({ prompt: e.prompt, response: e.completion }));
}

function jsonl(rows: object[]): string {
  return rows.map((row) => JSON.stringify(row) + '\n').join('');
}

export function trlSftJsonl(examples: PrimingExample[]): string {
  return jsonl(examples.map((e) => ({ prompt: e.prompt, completion: e.completion })));
}

export function trlGrpoJsonl({ task, template, problems }: RlRows): string {
  return jsonl(
    problems.map((problem) => ({
      prompt: template === 'base' ? renderPrompt(task, problem, 'base') : rlMessages(task, problem, template),
      numbers: problem.numbers,
      target: problem.target,
    })),
  );
}
