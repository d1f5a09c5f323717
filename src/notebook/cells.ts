// The parameters each cell kind takes: type, range, allowed values and a one-line help, plus the rules
// that tie fields together. validate.ts checks cells against these; the UI can build forms from them.
// Fields of type 'ref'/'refs' name earlier cells by id: that is the only way a cell uses another's result.
import type { JsonValue } from '../store/schema.ts';
import { CELL_KINDS, type CellKind, type CellParams } from './types.ts';
import { PAPER_MODEL_LABELS, paperConditions, type PaperModel } from '../charts/paper.ts';
import { PRIMING_CONDITIONS } from '../priming/conditions.ts';
import { TASK_NAMES } from '../tasks/registry.ts';
import { PROMPT_TEMPLATES } from '../tasks/task.ts';

interface Common {
  help: string;
  required?: boolean;
}
/** One field of a cell: its type, range or choices, default (what an absent field means) and help. */
export type FieldSpec = Common &
  (
    | { type: 'string'; oneOf?: readonly string[]; default?: string }
    | { type: 'number'; min?: number; max?: number; integer?: boolean; default?: number }
    | { type: 'boolean'; default?: boolean }
    | { type: 'strings'; oneOf?: readonly string[]; default?: readonly string[] }
    | { type: 'ref' | 'refs'; kinds: readonly CellKind[] }
  );

export interface FieldProblem {
  field: string;
  message: string;
}

export interface KindSpec {
  help: string;
  fields: Readonly<Record<string, FieldSpec>>;
  /** Rules across fields, e.g. "a hub model needs a name". */
  check?: (params: CellParams) => FieldProblem | null;
}

export const METRICS = ['accuracy', 'verification', 'backtracking', 'subgoal', 'backward', 'response_length'] as const;
/** What a chart can put on an axis: a step's metrics, its mean reward and loss, or the step itself. */
export const CHART_AXES = [...METRICS, 'reward', 'loss'] as const;
/** The columns a table of traces can show. */
export const TRACE_COLUMNS = ['problem', 'completion', 'reward', 'behaviors', 'model', 'step'] as const;
export type TraceColumn = (typeof TRACE_COLUMNS)[number];
/** The paper's runs, as "model/condition" (e.g. llama-3.2-3b/all_strategies), for compare and chart cells. */
export const PAPER_RUNS: readonly string[] = (Object.keys(PAPER_MODEL_LABELS) as PaperModel[]).flatMap((model) =>
  paperConditions(model).map((condition) => `${model}/${condition}`),
);
const TRAINED = ['model', 'prime', 'rl'] as const satisfies readonly CellKind[];
/** Kinds whose results other cells can read, and the narrower set that has something to plot. */
const READABLE: readonly CellKind[] = CELL_KINDS.filter((kind) => kind !== 'chart' && kind !== 'table');
const RESULTS: readonly CellKind[] = READABLE.filter((kind) => kind !== 'model');

// Field builders. `const` type parameters keep each default's and choice's literal type, so CellParamsOf
// below knows a handler's params exactly (a field with a default, or required, is never undefined).
const text = <
  const O extends readonly string[] | undefined = undefined,
  const D extends string | undefined = undefined,
>(
  help: string,
  oneOf?: O,
  defaultValue?: D,
) => ({ type: 'string', help, oneOf: oneOf as NoInfer<O>, default: defaultValue as NoInfer<D> }) as const;
const required = <const F>(field: F) => ({ ...field, required: true }) as const;
const int = <const D extends number | undefined = undefined>(
  help: string,
  min: number,
  max: number,
  defaultValue?: D,
) => ({ type: 'number', integer: true, help, min, max, default: defaultValue as NoInfer<D> }) as const;
const num = <const D extends number | undefined = undefined>(
  help: string,
  min: number,
  max: number,
  defaultValue?: D,
) => ({ type: 'number', help, min, max, default: defaultValue as NoInfer<D> }) as const;
const ref = <const K extends readonly CellKind[]>(help: string, kinds: K) =>
  ({ type: 'ref', help, kinds, required: true }) as const;
const optionalRef = <const K extends readonly CellKind[]>(help: string, kinds: K) =>
  ({ type: 'ref', help, kinds }) as const;
const refs = <const K extends readonly CellKind[]>(help: string, kinds: K) =>
  ({ type: 'refs', help, kinds, required: true }) as const;
const optionalRefs = <const K extends readonly CellKind[]>(help: string, kinds: K) =>
  ({ type: 'refs', help, kinds }) as const;
const list = <const O extends readonly string[] | undefined, const D extends readonly string[] | undefined = undefined>(
  help: string,
  oneOf: O,
  defaultValue?: D,
) => ({ type: 'strings', help, oneOf: oneOf as NoInfer<O>, default: defaultValue as NoInfer<D> }) as const;

const seed = int('random seed, so a re-run gives the same result', 0, 2 ** 31 - 1, 1);
const maxTokens = int('longest completion, in tokens', 1, 8192, 256);
const temperature = num('sampling temperature (0 = greedy)', 0, 2, 1);
/** RL compares the completions of a group: at temperature 0 they are all the same, so it must be positive. */
const rlTemperature = num('sampling temperature, also applied to the log-probabilities trained on (> 0)', 0.01, 2, 1);
const task = text('the task: its problems, prompt and reward', TASK_NAMES as readonly string[], 'countdown');
const template = text(
  "prompt template: the paper's plain text, or the model's chat template",
  PROMPT_TEMPLATES,
  'base',
);
const checkpointEvery = <const D extends number>(defaultValue: D) =>
  int('save a checkpoint every this many steps', 1, 100_000, defaultValue);

/** AdamW's second-moment decay and decoupled weight decay (the paper's priming and veRL's: 0.95, 0.01). */
const beta2 = num('AdamW β2 (the paper: 0.95)', 0, 0.99999, 0.999);
const weightDecay = num('AdamW weight decay (the paper: 0.01)', 0, 1, 0);

const problemSet = text(
  "where problems come from: the local generator, or the paper's data set (Jiayi-Pan/Countdown-Tasks-3to4, downloaded once)",
  ['generator', 'countdown-tasks-3to4'],
  'generator',
);

const requires = (field: string, when: boolean, why: string) =>
  when ? { field, message: `'${field}' is required ${why}` } : null;

/** Every cell kind's fields: where each is declared, checked (validate.ts), defaulted (fillDefaults) and typed. */
export const CELL_SPECS = {
  model: {
    help: 'A language model: from the Hugging Face hub, a folder on this computer, or a tiny one built from scratch on this GPU.',
    fields: {
      source: required(
        text('where the weights come from: the Hugging Face hub, a folder on this computer, or built from scratch', [
          'hub',
          'folder',
          'scratch',
        ]),
      ),
      name: text('hub model id, e.g. Qwen/Qwen2.5-0.5B'),
      backend: text(
        "who samples it: Primer's engine, WebLLM, or auto (WebLLM when it has the model)",
        ['auto', 'primer', 'webllm'],
        'primer',
      ),
      quantization: text(
        "weights on the GPU: 4-bit (q4f16_1, q4f32_1; Primer's engine quantizes to its q4), 16-bit (f16: a bf16 checkpoint stays bf16), or f32; unset: 4-bit",
        ['q4f16_1', 'q4f32_1', 'f16', 'f32'],
      ),
      layers: int('transformer blocks (scratch)', 1, 64, 4),
      dim: int('model width (scratch)', 8, 8192, 128),
      heads: int('attention heads (scratch); must divide dim', 1, 128, 4),
      context: int('longest sequence in tokens (scratch)', 16, 32768, 512),
      vocabulary: optionalRef(
        "a dataset cell whose traces the tokenizer's word pieces are fitted to, so a word or number is one token (scratch); unset: one token per byte",
        ['dataset'],
      ),
      seed,
    },
    check: (p) =>
      requires('name', p.source === 'hub' && p.name === undefined, 'for a hub model') ??
      (typeof p.dim === 'number' && typeof p.heads === 'number' && p.dim % p.heads !== 0
        ? { field: 'heads', message: `heads (${p.heads}) must divide dim (${p.dim})` }
        : null) ??
      (p.source === 'scratch' && p.backend === 'webllm'
        ? { field: 'backend', message: 'WebLLM cannot run a scratch model' }
        : null) ??
      (p.source !== 'scratch' && p.vocabulary !== undefined
        ? { field: 'vocabulary', message: 'only a scratch model has a tokenizer fitted here' }
        : null),
  },
  sample: {
    help: "Sample solutions to a task's problems and score them.",
    fields: {
      model: ref('the model cell (or a prime/rl cell, for the trained model)', TRAINED),
      task,
      problems: int('how many problems', 1, 100_000, 16),
      samples: int('solutions per problem', 1, 64, 1),
      split: text('which problems: held-out test problems or training ones', ['test', 'train'], 'test'),
      problem_set: problemSet,
      template,
      temperature,
      top_p: num('nucleus sampling mass', 0.01, 1, 1),
      max_tokens: maxTokens,
      seed,
    },
  },
  annotate: {
    help: 'Find the four behaviors in each solution: by rules, by Claude, or by a local model.',
    fields: {
      from: ref('the cell whose traces to annotate', ['sample', 'rl', 'dataset']),
      annotator: required(text('who annotates', ['rules', 'claude', 'local'])),
      claude_model: text('Claude model for annotator: claude (unset: the newest Haiku the key lists)'),
      model: optionalRef('the judge model for annotator: local', TRAINED),
      limit: int('annotate at most this many traces (unset: all)', 1, 100_000),
    },
    check: (p) => requires('model', p.annotator === 'local' && p.model === undefined, 'for annotator: local'),
  },
  dataset: {
    help: 'Build a priming dataset: offline narrated search, Claude, or traces from an earlier cell.',
    fields: {
      source: required(text('how the traces are made', ['offline', 'claude', 'traces'])),
      task: text(
        'the task whose priming problems are narrated, and whose prompt the traces carry',
        TASK_NAMES,
        'countdown',
      ),
      condition: text(
        'the priming condition: which behaviors the traces show, or a control',
        PRIMING_CONDITIONS,
        'all_strategies',
      ),
      size: int('number of traces', 1, 100_000, 100),
      from: optionalRef(
        'source: traces takes them from this cell; a control (empty_cot, length_matched, incorrect_only) is made from this dataset',
        ['sample', 'annotate', 'dataset'],
      ),
      model: optionalRef('length_matched: the model to be primed, whose tokenizer the lengths are matched in', TRAINED),
      claude_model: text('Claude model for source: claude', undefined, 'claude-sonnet-4-5'),
      seed,
    },
    check: (p) =>
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
      method: text('train a LoRA adapter, or all weights', ['lora', 'full'], 'lora'),
      rank: int('LoRA rank', 1, 256, 16),
      alpha: num('LoRA alpha (scale = alpha / rank)', 0.01, 1024, 32),
      epochs: int('passes over the dataset', 1, 100, 1),
      lr: num('learning rate', 1e-9, 1, 1e-4),
      batch_size: int('sequences per optimizer step', 1, 1024, 8),
      max_length: int('longest training sequence, in tokens', 16, 16_384, 512),
      warmup: num('fraction of steps spent warming up the learning rate', 0, 1, 0.05),
      beta2,
      weight_decay: weightDecay,
      checkpoint_every: checkpointEvery(50),
      seed,
    },
  },
  rl: {
    help: 'Reinforcement learning on a task with GRPO: sample groups, reward correct answers, update.',
    fields: {
      model: ref('the model to train (a prime cell continues its adapter)', TRAINED),
      task,
      template,
      algorithm: text('GRPO, or Dr. GRPO (no std scaling, constant length normaliser)', ['grpo', 'dr_grpo'], 'grpo'),
      steps: int('optimizer steps', 1, 100_000, 10),
      prompts: int('problems per step', 1, 1024, 4),
      group: int('solutions sampled per problem', 2, 64, 8),
      lr: num('learning rate', 1e-9, 1, 1e-5),
      kl: num('KL penalty against the starting model (0 = none)', 0, 1, 0),
      clip: num('PPO clip range (acts from the second update of a step on)', 0, 1, 0.2),
      mini_batches: int("updates per step: the step's rollouts split into this many (the paper: 2)", 1, 1024, 1),
      iterations: int('passes over the rollouts of each step (TRL num_iterations)', 1, 16, 1),
      beta2,
      weight_decay: weightDecay,
      temperature: rlTemperature,
      max_tokens: maxTokens,
      rank: int('LoRA rank of a new adapter', 1, 256, 16),
      eval_every: int(
        'measure accuracy and behaviors on held-out problems every this many steps (0 = never)',
        0,
        100_000,
        0,
      ),
      eval_problems: int('held-out problems per evaluation', 1, 10_000, 64),
      problem_set: problemSet,
      checkpoint_every: checkpointEvery(10),
      seed,
    },
  },
  chart: {
    help: 'Plot results of earlier cells.',
    fields: {
      from: refs('the cells to plot', RESULTS),
      y: required(list('what to plot, e.g. accuracy or a behavior', CHART_AXES)),
      x: text('the x axis: the step, or a metric (e.g. response_length)', ['step', ...CHART_AXES], 'step'),
      style: text("line chart, or bars of the last step's behaviors", ['line', 'bar'], 'line'),
      paper: list("the paper's runs to draw as dashed reference curves", PAPER_RUNS, []),
    },
  },
  table: {
    help: 'Show the traces of an earlier result, with their behaviors highlighted.',
    fields: {
      from: ref('the cell to show', READABLE),
      columns: list('which parts of each trace to show', TRACE_COLUMNS, TRACE_COLUMNS),
      filter: text('which traces', ['all', 'correct', 'incorrect'], 'all'),
      limit: int('show at most this many traces', 1, 10_000, 20),
    },
  },
  compare: {
    help: "Compare accuracy and behavior rates of several cells, or sample several models side by side, and the paper's figures.",
    fields: {
      from: optionalRefs('the cells to compare', ['sample', 'annotate', 'rl', 'dataset']),
      models: optionalRefs('models to sample side by side on the same problems, live', TRAINED),
      task,
      problems: int('models: how many problems each model answers', 1, 10_000, 8),
      template,
      temperature,
      max_tokens: maxTokens,
      seed,
      metrics: list('what to compare', METRICS, METRICS),
      paper: list("the paper's runs to show beside them", PAPER_RUNS, []),
      paper_step: int("which step of the paper's runs to show (the nearest logged one); 0 is before RL", 0, 1000, 0),
    },
    check: (p) =>
      p.from === undefined && p.models === undefined
        ? { field: 'from', message: "'from' (cells to compare) or 'models' (models to sample) is required" }
        : null,
  },
  js: {
    help: 'Your own JavaScript: the code after the --- line gets `inputs` (results of the cells in from), `params`, and `nb` (reward, annotate, problems, summarize, paper, traces) and returns a value.',
    fields: {
      from: optionalRefs('cells whose results the code reads', READABLE),
    },
  },
} as const satisfies Record<CellKind, KindSpec>;

/** Fields every kind has. */
export const COMMON_FIELDS = {
  title: text('a caption shown above the cell'),
} as const satisfies Record<string, FieldSpec>;

type Value<F> = F extends { type: 'number' }
  ? number
  : F extends { type: 'boolean' }
    ? boolean
    : F extends { type: 'string'; oneOf: readonly (infer S)[] }
      ? S
      : F extends { type: 'string' | 'ref' }
        ? string
        : F extends { type: 'strings'; oneOf: readonly (infer S)[] }
          ? readonly S[]
          : readonly string[];
type Filled<F> = F extends { required: true } | { default: string | number | boolean | readonly string[] }
  ? Value<F>
  : Value<F> | undefined;
type FieldsOf<K extends CellKind> = (typeof CELL_SPECS)[K]['fields'] & typeof COMMON_FIELDS;

/** A cell's params as its handler gets them: checked against the declaration, defaults filled in. */
export type CellParamsOf<K extends CellKind> = { readonly [N in keyof FieldsOf<K>]: Filled<FieldsOf<K>[N]> };

/** A kind's declaration, for code that walks fields by name. */
export function kindSpec(kind: CellKind): KindSpec {
  return CELL_SPECS[kind];
}

/** The params with every absent field that has a default set to it, and a single text made a list where a list is declared. */
export function fillDefaults(kind: CellKind, params: CellParams): CellParams {
  const filled: CellParams = { ...params };
  for (const [field, spec] of Object.entries(kindSpec(kind).fields)) {
    const value = filled[field];
    if (value === undefined && 'default' in spec && spec.default !== undefined)
      filled[field] = Array.isArray(spec.default) ? [...spec.default] : (spec.default as JsonValue);
    if ((spec.type === 'strings' || spec.type === 'refs') && typeof value === 'string') filled[field] = [value];
  }
  return filled;
}

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
