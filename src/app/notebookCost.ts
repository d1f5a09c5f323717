// How long a notebook's GPU cells should take on this GPU, from "Benchmark this GPU" (engine/gpuBenchmark.ts).
// Derivation, per cell, from the measured per-token costs of the probe model (notebook 00's shape):
//   seconds per decode token   = 1 / decode_tok_s × (forward FLOPs per token of the cell's model / the probe's)
//   seconds per training token = 1 / train_tok_s  × (the same ratio)
// times the tokens the cell decodes or trains (its params with their declared defaults):
//   sample:  problems × max_tokens decoded;
//   prime:   dataset size × epochs × tokens of a mean trace (prompt + completion, at most max_length) trained;
//   rl:      steps × prompts × group rollouts, each max_tokens decoded and (prompt + max_tokens) trained
//            `iterations` times, plus each held-out evaluation's eval_problems × max_tokens decoded.
// Completions are counted at max_tokens, so decode is an upper bound. A mean trace's length is measured on
// narrated traces of the cell's task built here (as an offline dataset cell builds them); in tokens it is its
// characters for a byte-level model, a quarter of them for a Hub model's BPE tokenizer (a rule of thumb for
// English text), and for a scratch model whose tokenizer is fitted to a dataset cell (`vocabulary`), what a
// tokenizer fitted to a sample of that dataset makes of the sample. Scaling by FLOPs assumes the GPU is as efficient on the larger model as on the probe: on a real
// GPU a larger model usually uses it better, so a Hub notebook's figure errs long. Loading, LLM judges and CPU
// work are not counted.
import type { GpuBenchmark } from '../engine/gpuBenchmark.ts';
import { forwardFlopsPerToken } from '../engine/gpuBenchmark.ts';
import type { ModelConfig } from '../engine/model/config.ts';
import { findModel } from '../engine/model/catalog.ts';
import { scratchConfig } from '../engine/model/scratch.ts';
import { ByteTokenizer, fitPieces } from '../engine/tokenizer.ts';
import { parseNotebook } from '../notebook/format.ts';
import { fillDefaults, type CellParamsOf } from '../notebook/cells.ts';
import { primerCells, type Cell, type CellParams } from '../notebook/types.ts';
import { resolveParams } from '../notebook/validate.ts';
import { buildPrimingDataset } from '../priming/build.ts';
import { taskNamed } from '../tasks/registry.ts';

export interface NotebookCost {
  minutes: number;
  decodeTokens: number;
  trainTokens: number;
}

const HUB_CHARS_PER_TOKEN = 4;
const TRACE_SAMPLE = 16;
/** Traces a scratch model's word pieces are fitted to here, to estimate its vocabulary and its characters per token. */
const VOCABULARY_SAMPLE = 256;

/** A model's shape and how many characters of text a token of it holds. */
interface ModelCost {
  config: ModelConfig;
  charsPerToken: number;
}

const meanTraces = new Map<string, { prompt: number; completion: number }>();

/** Mean characters of a narrated trace's prompt and completion for `task` (built once, as a dataset cell does). */
function meanTraceChars(task: string): { prompt: number; completion: number } {
  let mean = meanTraces.get(task);
  if (!mean) {
    const { traces } = buildPrimingDataset({
      condition: 'all_strategies',
      count: TRACE_SAMPLE,
      seed: 1,
      task: taskNamed(task),
    });
    const average = (f: (t: (typeof traces)[number]) => number) => traces.reduce((n, t) => n + f(t), 0) / traces.length;
    mean = { prompt: average((t) => t.prompt.length), completion: average((t) => t.completion.length) };
    meanTraces.set(task, mean);
  }
  return mean;
}

function modelCost(p: CellParamsOf<'model'>, datasets: Map<string, CellParamsOf<'dataset'>>): ModelCost {
  if (p.source === 'scratch') {
    const { layers, dim, heads, context } = p;
    if (layers === undefined || dim === undefined || heads === undefined)
      throw new Error('a scratch model needs its size');
    const dataset = p.vocabulary === undefined ? undefined : datasets.get(p.vocabulary);
    if (!dataset) return { config: scratchConfig({ layers, dim, heads, context, seed: 1 }), charsPerToken: 1 };
    const { traces } = buildPrimingDataset({
      condition: dataset.condition,
      count: VOCABULARY_SAMPLE,
      seed: 1,
      task: taskNamed(dataset.task),
    });
    const texts = traces.map((t) => t.prompt + t.completion);
    const tokenizer = new ByteTokenizer(fitPieces(texts));
    const chars = texts.reduce((n, t) => n + t.length, 0);
    const tokens = texts.reduce((n, t) => n + tokenizer.encode(t).length, 0);
    return {
      config: scratchConfig({ layers, dim, heads, context, seed: 1, pieces: tokenizer.pieces }),
      charsPerToken: chars / tokens,
    };
  }
  if (p.source === 'hub' && p.name !== undefined)
    return { config: findModel(p.name).config, charsPerToken: HUB_CHARS_PER_TOKEN };
  throw new Error(`a ${p.source} model's size is not known before it is loaded`);
}

/** The minutes `source`'s GPU cells should take given `bench` (see the file header); throws when it cannot tell. */
export function notebookCost(source: string, bench: GpuBenchmark): NotebookCost {
  const nb = parseNotebook(source);
  const models = new Map<string, ModelCost>();
  const datasets = new Map<string, CellParamsOf<'dataset'>>();
  const cost: NotebookCost = { minutes: 0, decodeTokens: 0, trainTokens: 0 };
  for (const cell of primerCells(nb)) {
    const p = fillDefaults(cell.kind, resolveParams(cell, nb.meta));
    if (cell.kind === 'model') models.set(cell.id, modelCost(p as CellParamsOf<'model'>, datasets));
    if (cell.kind === 'dataset') datasets.set(cell.id, p as CellParamsOf<'dataset'>);
    const model = typeof p.model === 'string' ? models.get(p.model) : undefined;
    if (!model || !['sample', 'prime', 'rl'].includes(cell.kind)) continue;
    if (cell.kind === 'prime' || cell.kind === 'rl') models.set(cell.id, model);
    const scale = forwardFlopsPerToken(model.config) / bench.probe_flops_per_token;
    const tokens = cellTokens(cell, p, model.charsPerToken, datasets);
    cost.decodeTokens += tokens.decode;
    cost.trainTokens += tokens.train;
    cost.minutes += (scale * (tokens.decode / bench.decode_tok_s + tokens.train / bench.train_tok_s)) / 60;
  }
  return cost;
}

/** Tokens `cell` (sample, prime or rl, with its params `p` filled) decodes and trains. */
function cellTokens(
  cell: Cell,
  p: CellParams,
  charsPerToken: number,
  datasets: Map<string, CellParamsOf<'dataset'>>,
): { decode: number; train: number } {
  if (cell.kind === 'sample') {
    const s = p as CellParamsOf<'sample'>;
    return { decode: s.problems * s.max_tokens, train: 0 };
  }
  if (cell.kind === 'prime') {
    const s = p as CellParamsOf<'prime'>;
    const dataset = datasets.get(s.dataset);
    if (!dataset) return { decode: 0, train: 0 };
    const trace = meanTraceChars(dataset.task);
    const traceTokens = Math.min(s.max_length, (trace.prompt + trace.completion) / charsPerToken);
    return { decode: 0, train: dataset.size * s.epochs * traceTokens };
  }
  const s = p as CellParamsOf<'rl'>;
  const rollouts = s.steps * s.prompts * s.group;
  const evaluations = s.eval_every > 0 ? Math.ceil(s.steps / s.eval_every) + 1 : 0;
  return {
    decode: (rollouts + evaluations * s.eval_problems) * s.max_tokens,
    train: rollouts * s.iterations * (meanTraceChars(s.task).prompt / charsPerToken + s.max_tokens),
  };
}
