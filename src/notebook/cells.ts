// The parameters each cell kind takes: type, range, allowed values and a one-line help, plus the rules
// that tie fields together. validate.ts checks cells against these; the UI can build forms from them.
// Fields of type 'ref'/'refs' name earlier cells by id: that is the only way a cell uses another's result.
import { CELL_KINDS, type CellKind, type CellParams } from './types.ts';
import { PAPER_MODEL_LABELS, paperConditions, type PaperModel } from '../charts/paper.ts';
import { PRIMING_CONDITIONS } from '../priming/conditions.ts';
import { TASK_NAMES } from '../tasks/registry.ts';
import { PROMPT_TEMPLATES } from '../tasks/task.ts';

interface Common {
  help: string;
  required?: boolean;
}
export type FieldSpec = Common &
  (
    | { type: 'string'; oneOf?: readonly string[] }
    | { type: 'number'; min?: number; max?: number; integer?: boolean }
    | { type: 'boolean' }
    | { type: 'strings'; oneOf?: readonly string[] }
    | { type: 'ref' | 'refs'; kinds: readonly CellKind[] }
  );

export interface FieldProblem {
  field: string;
  message: string;
}

export interface KindSpec {
  help: string;
  fields: Record<string, FieldSpec>;
  /** Rules across fields, e.g. "a hub model needs a name". */
  check?: (params: CellParams) => FieldProblem | null;
}

export const METRICS = ['accuracy', 'verification', 'backtracking', 'subgoal', 'backward', 'response_length'] as const;
/** The paper's runs, as "model/condition" (e.g. llama-3.2-3b/all_strategies), for compare and chart cells. */
export const PAPER_RUNS: readonly string[] = (Object.keys(PAPER_MODEL_LABELS) as PaperModel[]).flatMap((model) =>
  paperConditions(model).map((condition) => `${model}/${condition}`),
);
const TRAINED: readonly CellKind[] = ['model', 'prime', 'rl'];
/** Kinds whose results other cells can read, and the narrower set that has something to plot. */
const READABLE: readonly CellKind[] = CELL_KINDS.filter((kind) => kind !== 'chart' && kind !== 'table');
const RESULTS: readonly CellKind[] = READABLE.filter((kind) => kind !== 'model');

const str = (help: string, oneOf?: readonly string[], required = false): FieldSpec => ({
  type: 'string',
  help,
  oneOf,
  required,
});
const int = (help: string, min: number, max: number, required = false): FieldSpec => ({
  type: 'number',
  integer: true,
  help,
  min,
  max,
  required,
});
const num = (help: string, min: number, max: number): FieldSpec => ({ type: 'number', help, min, max });
const ref = (help: string, kinds: readonly CellKind[], required = true): FieldSpec => ({
  type: 'ref',
  help,
  kinds,
  required,
});
const seed = int('random seed, so a re-run gives the same result', 0, 2 ** 31 - 1);
const maxTokens = int('longest completion, in tokens', 1, 8192);
const temperature = num('sampling temperature (0 = greedy)', 0, 2);
/** RL compares the completions of a group: at temperature 0 they are all the same, so it must be positive. */
const rlTemperature = num('sampling temperature, also applied to the log-probabilities trained on (> 0)', 0.01, 2);
const task = str('the task: its problems, prompt and reward', TASK_NAMES);
const template = str("prompt template: the paper's plain text, or the model's chat template", PROMPT_TEMPLATES);

/** AdamW's second-moment decay and decoupled weight decay (the paper's priming and veRL's defaults: 0.95, 0.01). */
const beta2 = num('AdamW β2 (default 0.999; the paper: 0.95)', 0, 0.99999);
const weightDecay = num('AdamW weight decay (default 0; the paper: 0.01)', 0, 1);

const problemSetField = str(
  "where problems come from: the local generator, or the paper's data set (Jiayi-Pan/Countdown-Tasks-3to4, downloaded once)",
  ['generator', 'countdown-tasks-3to4'],
);

const requires = (field: string, when: boolean, why: string) =>
  when ? { field, message: `'${field}' is required ${why}` } : null;

export const CELL_SPECS: Record<CellKind, KindSpec> = {
  model: {
    help: 'A language model: from the Hugging Face hub, or a tiny one built from scratch on this GPU.',
    fields: {
      source: str(
        'where the weights come from: the Hugging Face hub, a folder on this computer, or built from scratch',
        ['hub', 'folder', 'scratch'],
        true,
      ),
      name: str('hub model id, e.g. Qwen/Qwen2.5-0.5B'),
      backend: str('who runs it: auto prefers WebLLM for sampling when it has the model', ['auto', 'primer', 'webllm']),
      quantization: str(
        'weights on the GPU: 4-bit (q4f16_1, q4f32_1), 16-bit (f16: a bf16 checkpoint stays bf16), or f32',
        ['q4f16_1', 'q4f32_1', 'f16', 'f32'],
      ),
      layers: int('transformer blocks (scratch)', 1, 64),
      dim: int('model width (scratch)', 8, 8192),
      heads: int('attention heads (scratch); must divide dim', 1, 128),
      context: int('longest sequence in tokens', 16, 32768),
      tokenizer: str('tokenizer (scratch)', ['bytes', 'qwen2.5', 'llama3']),
      seed,
    },
    check: (p) =>
      requires('name', p.source === 'hub' && p.name === undefined, 'for a hub model') ??
      requires('layers', p.source === 'scratch' && p.layers === undefined, 'for a scratch model') ??
      requires('dim', p.source === 'scratch' && p.dim === undefined, 'for a scratch model') ??
      requires('heads', p.source === 'scratch' && p.heads === undefined, 'for a scratch model') ??
      (typeof p.dim === 'number' && typeof p.heads === 'number' && p.dim % p.heads !== 0
        ? { field: 'heads', message: `heads (${p.heads}) must divide dim (${p.dim})` }
        : null) ??
      (p.source === 'scratch' && p.backend === 'webllm'
        ? { field: 'backend', message: 'WebLLM cannot run a scratch model' }
        : null),
  },
  sample: {
    help: 'Sample solutions to Countdown problems and score them.',
    fields: {
      model: ref('the model cell (or a prime/rl cell, for the trained model)', TRAINED),
      task,
      problems: int('how many problems', 1, 100_000, true),
      samples: int('solutions per problem', 1, 64),
      split: str('which problems: held-out test problems or training ones', ['test', 'train']),
      problem_set: problemSetField,
      template,
      temperature,
      top_p: num('nucleus sampling mass', 0.01, 1),
      max_tokens: maxTokens,
      seed,
    },
  },
  annotate: {
    help: 'Find the four behaviors in each solution: by rules, by Claude, or by a local model.',
    fields: {
      from: ref('the cell whose traces to annotate', ['sample', 'rl', 'dataset']),
      annotator: str('who annotates', ['rules', 'claude', 'local'], true),
      claude_model: str('Claude model for annotator: claude'),
      model: ref('the judge model for annotator: local', TRAINED, false),
      limit: int('annotate at most this many traces', 1, 100_000),
    },
    check: (p) => requires('model', p.annotator === 'local' && p.model === undefined, 'for annotator: local'),
  },
  dataset: {
    help: 'Build a priming dataset: offline narrated search, Claude, or traces from an earlier cell.',
    fields: {
      source: str('how the traces are made', ['offline', 'claude', 'traces'], true),
      task: str('the task whose priming problems are narrated, and whose prompt the traces carry', TASK_NAMES),
      condition: str('the priming condition: which behaviors the traces show, or a control', PRIMING_CONDITIONS),
      size: int('number of traces', 1, 100_000, true),
      from: ref(
        'source: traces takes them from this cell; a control (empty_cot, length_matched, incorrect_only) is made from this dataset',
        ['sample', 'annotate', 'dataset'],
        false,
      ),
      model: ref('length_matched: the model to be primed, whose tokenizer the lengths are matched in', TRAINED, false),
      claude_model: str('Claude model for source: claude'),
      seed,
    },
    check: (p) =>
      requires('condition', p.source !== 'traces' && p.condition === undefined, `for source: ${String(p.source)}`) ??
      requires('from', p.source === 'traces' && p.from === undefined, 'for source: traces') ??
      requires(
        'model',
        p.condition === 'length_matched' && p.model === undefined,
        'for length_matched (its tokenizer)',
      ),
  },
  prime: {
    help: 'Fine-tune a model on a priming dataset (LoRA, or all weights for a tiny model).',
    fields: {
      model: ref('the model to prime', TRAINED),
      dataset: ref('the dataset cell', ['dataset']),
      task,
      template,
      method: str('train a LoRA adapter, or all weights', ['lora', 'full']),
      rank: int('LoRA rank', 1, 256),
      alpha: num('LoRA alpha (scale = alpha / rank)', 0.01, 1024),
      epochs: int('passes over the dataset', 1, 100),
      lr: num('learning rate', 1e-9, 1),
      batch_size: int('sequences per optimizer step', 1, 1024),
      max_length: int('longest training sequence, in tokens', 16, 16_384),
      warmup: num('fraction of steps spent warming up the learning rate', 0, 1),
      beta2,
      weight_decay: weightDecay,
      checkpoint_every: int('save a checkpoint every this many steps', 1, 100_000),
      seed,
    },
  },
  rl: {
    help: 'Reinforcement learning on Countdown with GRPO: sample groups, reward correct answers, update.',
    fields: {
      model: ref('the model to train (a prime cell continues its adapter)', TRAINED),
      task,
      template,
      algorithm: str('GRPO, or Dr. GRPO (no std scaling, constant length normaliser)', ['grpo', 'dr_grpo']),
      steps: int('optimizer steps', 1, 100_000, true),
      prompts: int('problems per step', 1, 1024),
      group: int('solutions sampled per problem', 2, 64),
      lr: num('learning rate', 1e-9, 1),
      kl: num('KL penalty against the starting model (0 = none)', 0, 1),
      clip: num('PPO clip range (acts from the second update of a step on)', 0, 1),
      mini_batches: int("updates per step: the step's rollouts split into this many (the paper: 2)", 1, 1024),
      iterations: int('passes over the rollouts of each step (TRL num_iterations)', 1, 16),
      beta2,
      weight_decay: weightDecay,
      temperature: rlTemperature,
      max_tokens: maxTokens,
      rank: int('LoRA rank of a new adapter', 1, 256),
      eval_every: int('measure accuracy and behaviors every this many steps', 1, 100_000),
      eval_problems: int('held-out problems per evaluation', 1, 10_000),
      problem_set: problemSetField,
      checkpoint_every: int('save a checkpoint every this many steps', 1, 100_000),
      seed,
    },
  },
  chart: {
    help: 'Plot results of earlier cells.',
    fields: {
      from: { type: 'refs', help: 'the cells to plot', kinds: RESULTS, required: true },
      y: { type: 'strings', help: 'what to plot, e.g. accuracy or a behavior', required: true },
      x: str('the x axis, e.g. step'),
      style: str('line or bar chart', ['line', 'bar']),
      paper: { type: 'strings', help: "the paper's runs to draw as dashed reference curves", oneOf: PAPER_RUNS },
    },
  },
  table: {
    help: 'Show the rows of an earlier result, e.g. traces with their behaviors highlighted.',
    fields: {
      from: ref('the cell to show', READABLE),
      columns: { type: 'strings', help: 'which columns to show' },
      filter: str('which traces', ['all', 'correct', 'incorrect']),
      limit: int('show at most this many rows', 1, 10_000),
    },
  },
  compare: {
    help: "Compare accuracy and behavior rates of several cells, or sample several models side by side, and the paper's figures.",
    fields: {
      from: { type: 'refs', help: 'the cells to compare', kinds: ['sample', 'annotate', 'rl', 'dataset'] },
      models: { type: 'refs', help: 'models to sample side by side on the same problems, live', kinds: TRAINED },
      problems: int('models: how many problems each model answers', 1, 10_000),
      template: str("models: prompt template, the paper's plain text or the model's chat template", ['base', 'chat']),
      temperature,
      max_tokens: maxTokens,
      seed,
      metrics: { type: 'strings', help: 'what to compare', oneOf: METRICS },
      paper: { type: 'strings', help: "the paper's runs to show beside them", oneOf: PAPER_RUNS },
      paper_step: int("which step of the paper's runs to show (the nearest logged one); 0 is before RL", 0, 1000),
    },
    check: (p) =>
      p.from === undefined && p.models === undefined
        ? { field: 'from', message: "'from' (cells to compare) or 'models' (models to sample) is required" }
        : null,
  },
  js: {
    help: 'Your own JavaScript: the code after the --- line gets `inputs` (results of the cells in from), `params`, and `nb` (reward, annotate, problems, summarize, paper, traces) and returns a value.',
    fields: {
      from: { type: 'refs', help: 'cells whose results the code reads', kinds: READABLE },
    },
  },
};

/** Fields every kind has. */
export const COMMON_FIELDS: Record<string, FieldSpec> = {
  title: str('a caption shown above the cell'),
};

/** The problem with one field's value, or null if it fits its spec. */
export function checkField(spec: FieldSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'string':
    case 'ref':
      if (typeof value !== 'string') return `must be text${spec.type === 'ref' ? ' (a cell id)' : ''}`;
      return spec.type === 'string' ? checkOneOf(spec.oneOf, value) : null;
    case 'number':
      if (typeof value !== 'number') return 'must be a number';
      if (spec.integer && !Number.isInteger(value)) return 'must be a whole number';
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return `must be between ${spec.min} and ${spec.max} (got ${value})`;
      }
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'strings':
    case 'refs': {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return 'must be a list of text';
      const oneOf = spec.type === 'strings' ? spec.oneOf : undefined;
      return list.map((item) => checkOneOf(oneOf, item)).find((problem) => problem !== null) ?? null;
    }
  }
}

function checkOneOf(oneOf: readonly string[] | undefined, value: string): string | null {
  return !oneOf || oneOf.includes(value) ? null : `must be one of ${oneOf.join(', ')} (got "${value}")`;
}
