// Cells that run on the GPU through the engine: model, sample, prime, rl. Each result is written to the
// store as it appears (traces per batch, metrics per step, checkpoints as made), so a closed tab loses at
// most the step in flight, and a re-run resumes from the last checkpoint.
import type { CellContext, CellHandler } from '../../notebook/runner.ts';
import { putAdapter, setRunStatus, getAdapter } from '../../store/runs.ts';
import { getDataset } from '../../store/traces.ts';
import type { JsonValue } from '../../store/schema.ts';
import { COUNTDOWN_RL_PRESET } from '../../tasks/countdown.ts';
import {
  browserPageCache,
  loadCountdownTasks,
  measureRanges,
  PAPER_TRAIN_ROWS,
  presetDifferences,
} from '../../tasks/countdownTasks.ts';
import { taskNamed } from '../../tasks/registry.ts';
import {
  renderPrompt,
  type ChatTemplate,
  type PromptTemplate,
  type ProblemSplit,
  type Task,
} from '../../tasks/task.ts';
import type { CountdownProblem, GenerateRequest, Generation, TextGenerator } from '../../tasks/types.ts';
import { chatTemplateOfConfig } from '../../engine/chatTemplate.ts';
import { hubLocation, readTokenizerConfig } from '../../engine/openDecoder.ts';
import { fitPieces } from '../../engine/tokenizer.ts';
import { accuracyChart, behaviorChart } from '../../charts/runCharts.ts';
import type { EngineService, ModelSpec, TrainHooks, TrainResult } from '../engineService.ts';
import { toJson, type ModelOutput } from '../outputs.ts';
import { datasetId, inputOf, paramsOf, type HandlerEnv } from './env.ts';
import { mayRead, takeOfferedFolder, type ChosenFolder } from '../modelFolder.ts';
import { keepFolder, keptFolder } from '../../store/folders.ts';
import { packFiles, unpackFiles } from '../../store/adapterFiles.ts';
import { trainRun, type RunSpec } from './trainRun.ts';
import { freeStorageBytes, rlSizeProblem } from '../rlBudget.ts';

export function engineOf(env: HandlerEnv): EngineService {
  if (!env.engine)
    throw new Error('This cell needs WebGPU, and this browser has none: see the GPU panel on the home screen');
  return env.engine;
}

function chooseFolder(env: HandlerEnv, signal: AbortSignal): Promise<ChosenFolder> {
  if (!env.chooseFolder) throw new Error('source: folder needs a browser; in Node use `primer ... --model DIR`');
  return env.chooseFolder(signal);
}

async function modelSpec(ctx: CellContext, env: HandlerEnv): Promise<ModelSpec> {
  const { source, layers, dim, heads, context, seed, name, quantization: asked, vocabulary } = paramsOf(ctx, 'model');
  // WebLLM's two 4-bit builds are one q4 in Primer's engine.
  const quantization = asked === 'f32' || asked === 'f16' ? asked : 'q4';
  if (source === 'scratch') {
    if (vocabulary === undefined) return { source, layers, dim, heads, context, seed };
    return { source, layers, dim, heads, context, seed, pieces: await datasetPieces(env, ctx, vocabulary) };
  }
  if (source === 'folder') {
    // A folder dropped onto the cell, else the chooser; a handle is kept so that a reload can reopen the folder.
    const folder = await (takeOfferedFolder(ctx.cell) ?? chooseFolder(env, ctx.signal));
    await keepFolder(env.store, ctx.notebookId, ctx.cell.id, 'handle' in folder ? folder.handle : undefined);
    return { source, ...folder, quantization };
  }
  if (name === undefined) throw new Error(`model cell "${ctx.cell.id}": a hub model needs a name`);
  return { source: 'hub', name, quantization };
}

/** The word pieces of a dataset cell's traces (prompts and completions), for a scratch model's tokenizer. */
async function datasetPieces(env: HandlerEnv, ctx: CellContext, cell: string): Promise<string[]> {
  const data = await getDataset(env.store, datasetId(ctx.notebookId, inputOf(ctx, cell).id));
  if (!data) throw new Error(`the dataset of cell "${cell}" is missing from storage: run that cell again`);
  return fitPieces(data.traces.map((t) => t.prompt + t.completion));
}

/** What an output keeps of a spec: never a secret, never the folder's files or handle. */
function storable(spec: ModelSpec): ModelSpec {
  return spec.source === 'folder' ? { source: spec.source, name: spec.name, quantization: spec.quantization } : spec;
}

/** Loads a model into the engine and enters it in the GPU ledger (making room by unloading WebLLM's models). */
async function loadModel(env: HandlerEnv, ctx: CellContext, handle: string, spec: ModelSpec) {
  const engine = engineOf(env);
  const info = await engine.load(handle, withToken(env, spec), progressHooks(ctx));
  await env.ledger?.makeRoom('primer', info.gpuBytes);
  env.ledger?.register({
    name: info.name,
    backend: 'primer',
    bytes: info.gpuBytes,
    unload: () => engine.unload(handle),
  });
  return info;
}

/** The Hugging Face token joins the spec only on its way to the engine: outputs never hold a secret. */
function withToken(env: HandlerEnv, spec: ModelSpec): ModelSpec {
  const token = env.secrets?.get('huggingface');
  return spec.source === 'hub' && token ? { ...spec, token } : spec;
}

export function asModel(value: JsonValue, id: string): ModelOutput {
  const v = value as unknown as ModelOutput;
  if (v?.type !== 'model') throw new Error(`cell "${id}" is not a model`);
  return v;
}

/** A folder model's spec with the directory handle kept for its cell, if any, so that a reload need not ask again. */
async function reopenedFolder(env: HandlerEnv, ctx: CellContext, model: ModelOutput): Promise<ModelSpec> {
  const spec = model.spec;
  if (spec.source !== 'folder') return spec;
  const handle = await keptFolder(env.store, ctx.notebookId, model.base);
  if (!handle) return spec; // the engine then says the folder must be chosen again
  if (!(await mayRead(handle)))
    throw new Error(
      `Primer was not allowed to read the folder "${spec.name}" again: drop it onto cell "${model.base}", or run that cell to choose it`,
    );
  return { ...spec, handle };
}

/** Makes sure the engine holds the model (and adapter) an earlier cell produced: after a reload it does not. */
export async function ensureLoaded(env: HandlerEnv, ctx: CellContext, model: ModelOutput): Promise<void> {
  const engine = engineOf(env);
  if (await engine.has(model.handle)) return;
  if (!(await engine.has(model.base))) await loadModel(env, ctx, model.base, await reopenedFolder(env, ctx, model));
  if (model.adapterId) {
    const adapter = await getAdapter(env.store, model.adapterId);
    if (!adapter)
      throw new Error(`the trained result of "${model.handle}" is missing from storage: run that cell again`);
    await engine.attach(model.base, model.handle, unpackFiles(new Uint8Array(adapter.data)));
  }
}

function progressHooks(ctx: CellContext): TrainHooks {
  return { signal: ctx.signal, onEvent: (e) => (e.type === 'progress' ? ctx.progress(e.progress) : undefined) };
}

/** Where a Hub model's files came from, for its cell. */
function hubOriginNote(fromCache: boolean): string {
  return fromCache
    ? "Loaded from this device's cache: nothing was downloaded."
    : "Downloaded and kept in this device's cache, so it loads offline from now on.";
}

function modelHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const spec = await modelSpec(ctx, env);
    const { backend } = paramsOf(ctx, 'model');
    if (spec.source === 'hub' && backend !== 'primer') {
      // Sample cells may run this model in WebLLM; Primer's engine loads it only when a cell needs it.
      return toJson({
        type: 'model',
        handle: ctx.cell.id,
        base: ctx.cell.id,
        spec,
        backend,
        fields: { model: spec.name, backend },
        notes: ['Loaded when a cell first uses it.'],
      });
    }
    const info = await loadModel(env, ctx, ctx.cell.id, spec);
    const output: ModelOutput = {
      type: 'model',
      handle: ctx.cell.id,
      base: ctx.cell.id,
      spec: storable(spec),
      backend,
      fields: {
        model: info.name,
        architecture: info.arch,
        parameters: info.params.toLocaleString(),
        layers: info.layers,
        vocabulary: info.vocab,
        weights: info.weights,
        'GPU memory (MB)': Math.round(info.gpuBytes / 2 ** 20),
      },
      notes: info.fromCache === undefined ? undefined : [hubOriginNote(info.fromCache)],
    };
    return toJson(output);
  };
}

/** The paper's problem set, as a cell's `problem_set` names it. */
export const PAPER_PROBLEM_SET = 'countdown-tasks-3to4';

/** Where a cell's problems come from: its task, its `problem_set` and its seed. */
export interface ProblemSource {
  task: Task;
  problemSet: string;
  seed: number;
}

/**
 * A cell's problems: from the task's generator, or the paper's data set (train rows for training, the 1,024 rows
 * after them for testing), downloaded once and cached; the notes give its size and where the generator differs.
 */
export async function problemSet(ctx: CellContext, from: ProblemSource, count: number, split: ProblemSplit) {
  if (from.problemSet !== PAPER_PROBLEM_SET || count === 0)
    return { problems: from.task.problems(split, count, from.seed), notes: [] as string[] };
  const loaded = await loadCountdownTasks({
    count,
    offset: split === 'test' ? PAPER_TRAIN_ROWS : 0,
    seed: from.seed,
    cache: browserPageCache(),
    signal: ctx.signal,
  });
  const mb = (bytes = 0) => (bytes / 1e6).toFixed(2);
  const size = loaded.bytes ? `: ${mb(loaded.bytes)} MB, ${mb(loaded.downloadedBytes)} MB of it downloaded now` : '';
  const differences = loaded.bytes ? presetDifferences(COUNTDOWN_RL_PRESET, measureRanges(loaded.problems)) : [];
  return {
    problems: loaded.problems,
    notes: [
      `${split} problems from ${loaded.source}${size}`,
      ...differences.map(
        (d) => `The generator's default preset vs the data set (offline, it is fitted to these ranges), ${d}`,
      ),
    ],
  };
}

/**
 * The chat template of the model a cell uses: the engine's copy when it holds the model, else read from the
 * model's files without its weights (WebLLM samples an untrained Hub model Primer's engine never loads).
 */
async function chatTemplateFor(
  env: HandlerEnv,
  ctx: CellContext,
  model: ModelOutput,
): Promise<ChatTemplate | undefined> {
  const config =
    env.engine && (await env.engine.has(model.base))
      ? await env.engine.tokenizerConfig(model.base)
      : await readTokenizerConfig(withToken(env, await reopenedFolder(env, ctx, model)));
  return chatTemplateOfConfig(config);
}

/** The prompt texts of problems under the cell's template, as the model is given them. */
export async function promptsFor(
  env: HandlerEnv,
  ctx: CellContext,
  model: ModelOutput,
  task: Task,
  template: PromptTemplate,
  problems: CountdownProblem[],
): Promise<string[]> {
  const chat = template === 'chat' ? await chatTemplateFor(env, ctx, model) : undefined;
  return problems.map((p) => renderPrompt(task, p, template, chat));
}

export type Generate = (prompts: string[], request: Omit<GenerateRequest, 'prompts'>) => Promise<Generation[]>;

/** WebLLM for an untrained Hub model whose cell allows it (loaded lazily, so the app's first load skips it); else the engine. */
export async function samplerFor(
  env: HandlerEnv,
  ctx: CellContext,
  model: ModelOutput,
  notes: string[],
): Promise<Generate> {
  const backend = model.backend ?? 'primer';
  if (model.spec.source === 'hub' && backend !== 'primer' && env.gpu !== undefined) {
    const { openSampleBackend } = await import('../../generators/webllm/backend.ts');
    const decision = await openSampleBackend({
      backend,
      // A mirror's URL names the same Hub repo: WebLLM's builds are chosen by the repo id.
      model: /^https?:\/\//.test(model.spec.name) ? hubLocation(model.spec.name).repo : model.spec.name,
      trained: !!model.adapterId,
      gpu: env.gpu,
      signal: ctx.signal,
      modelList: env.webllm?.modelList,
      generator: {
        createEngine: env.webllm?.createEngine,
        caches: env.webllm?.caches,
        ledger: env.ledger,
        onProgress: (p) => ctx.progress({ what: p.text, done: p.done, total: p.total ?? p.done }),
      },
    });
    notes.push(decision.note);
    if (decision.use === 'webllm')
      return (prompts, request) => decision.generator.generate({ ...request, prompts, signal: ctx.signal });
  }
  await ensureLoaded(env, ctx, model);
  // Callbacks cannot cross to the engine's Worker: the text comes back as events.
  return (prompts, { onText, signal = ctx.signal, ...request }) =>
    engineOf(env).generate(
      model.handle,
      { ...request, prompts },
      { signal, onEvent: (e) => (e.type === 'text' ? onText?.(e.row, e.delta, e.tokens) : undefined) },
    );
}

/** The model cell `id` names, as a TextGenerator (WebLLM or the engine): the local judge's voice. */
export async function localGenerator(
  env: HandlerEnv,
  ctx: CellContext,
  id: string | undefined,
  notes: string[],
): Promise<TextGenerator> {
  const ref = inputOf(ctx, id);
  const generate = await samplerFor(env, ctx, asModel(ref.value, ref.id), notes);
  return { name: ref.id, generate: (request) => generate(request.prompts, request) };
}

/** A training cell's run (trainRun.ts), its adapter stored, as the cell's model output. */
async function trainedModel(
  env: HandlerEnv,
  ctx: CellContext,
  model: ModelOutput,
  spec: RunSpec,
  train: (resume: Uint8Array | undefined, hooks: TrainHooks) => Promise<TrainResult>,
): Promise<ModelOutput> {
  const { runId, result, steps, evals, resumedFrom } = await trainRun(env.store, ctx, spec, train);
  await putAdapter(env.store, {
    id: runId,
    name: ctx.cell.id,
    model: model.base,
    runId,
    createdAt: Date.now(),
    meta: spec.config,
    data: packFiles(result.files),
  });
  await setRunStatus(env.store, runId, 'done');
  return {
    type: 'model',
    handle: ctx.cell.id,
    base: model.base,
    spec: model.spec,
    adapterId: runId,
    parent: model.handle,
    runId,
    steps,
    evals: evals.length ? evals : undefined,
    fields: { steps: result.steps, method: String(spec.config.method ?? spec.kind) },
    cellId: spec.kind === 'rl' ? ctx.cell.id : undefined,
    notes: resumedFrom !== undefined ? [`resumed from step ${resumedFrom}`] : undefined,
  };
}

function primeHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const engine = engineOf(env);
    const p = paramsOf(ctx, 'prime');
    const modelRef = inputOf(ctx, p.model);
    const model = asModel(modelRef.value, modelRef.id);
    await ensureLoaded(env, ctx, model);
    const data = await getDataset(env.store, datasetId(ctx.notebookId, inputOf(ctx, p.dataset).id));
    if (!data) throw new Error('the dataset is missing from storage: run the dataset cell again');
    const task = taskNamed(p.task);
    // The dataset's prompts are rendered again under this cell's task and template: the prompt a primed
    // model learns from is the one it is later sampled and trained with.
    const problems = data.traces.map((t) => t.problem);
    const prompts = await promptsFor(env, ctx, model, task, p.template, problems);
    const job = {
      method: p.method,
      examples: data.traces.map((t, i) => ({ prompt: prompts[i], completion: t.completion })),
      epochs: p.epochs,
      lr: p.lr,
      batchSize: p.batch_size,
      maxLength: p.max_length,
      warmup: p.warmup,
      rank: p.rank,
      alpha: p.alpha,
      checkpointEvery: p.checkpoint_every,
      seed: p.seed,
      adamw: { beta2: p.beta2, weightDecay: p.weight_decay },
    };
    const total = Math.ceil(job.examples.length / p.batch_size) * p.epochs;
    const config = { ...job, task: task.name, examples: job.examples.length };
    const out = await trainedModel(
      env,
      ctx,
      model,
      { kind: 'prime', model: model.handle, config, total },
      (resume, hooks) => engine.prime(model.handle, { ...job, resume }, ctx.cell.id, hooks),
    );
    const loss = out.steps ?? [];
    out.charts = [
      {
        kind: 'line',
        title: 'Priming loss',
        xLabel: 'step',
        yLabel: 'loss',
        series: [{ label: ctx.cell.id, points: loss.map((s) => [s.step, s.loss ?? 0]) }],
      },
    ];
    return toJson(out);
  };
}

function rlHandler(env: HandlerEnv): CellHandler {
  return async (ctx) => {
    const p = paramsOf(ctx, 'rl');
    const size = { steps: p.steps, prompts: p.prompts, group: p.group, maxTokens: p.max_tokens };
    const tooBig = rlSizeProblem(size, await freeStorageBytes());
    if (tooBig) throw new Error(tooBig);
    const engine = engineOf(env);
    const modelRef = inputOf(ctx, p.model);
    const model = asModel(modelRef.value, modelRef.id);
    await ensureLoaded(env, ctx, model);
    const task = taskNamed(p.task);
    const source = { task, problemSet: p.problem_set, seed: p.seed };
    // The generator's problems are made in the engine as the run reaches them; the paper's set is read here.
    const count = p.steps * p.prompts;
    const train =
      p.problem_set === PAPER_PROBLEM_SET
        ? await problemSet(ctx, source, count, 'train')
        : { problems: { count, seed: p.seed }, notes: [] };
    const test = await problemSet(ctx, source, p.eval_every > 0 ? p.eval_problems : 0, 'test');
    const job = {
      task: task.name,
      algorithm: p.algorithm,
      problems: train.problems,
      steps: p.steps,
      prompts: p.prompts,
      group: p.group,
      lr: p.lr,
      kl: p.kl,
      clip: p.clip,
      miniBatches: p.mini_batches,
      iterations: p.iterations,
      adamw: { beta2: p.beta2, weightDecay: p.weight_decay },
      temperature: p.temperature,
      maxTokens: p.max_tokens,
      rank: p.rank,
      checkpointEvery: p.checkpoint_every,
      seed: p.seed,
      template: p.template,
      evalEvery: p.eval_every,
      evalProblems: test.problems,
    };
    const config = { ...job, problems: count, evalProblems: job.evalProblems.length };
    const out = await trainedModel(
      env,
      ctx,
      model,
      { kind: 'rl', model: model.handle, config, total: p.steps },
      (resume, hooks) => engine.rl(model.handle, { ...job, resume }, ctx.cell.id, hooks),
    );
    const rollouts = { label: `${ctx.cell.id} (training rollouts)`, steps: out.steps ?? [] };
    const heldOut = out.evals && { label: `${ctx.cell.id} (held-out problems)`, steps: out.evals };
    out.charts = [accuracyChart(heldOut ? [heldOut, rollouts] : [rollouts]), behaviorChart(heldOut ?? rollouts)];
    out.notes = [...(out.notes ?? []), ...train.notes, ...test.notes];
    return toJson(out);
  };
}

export function engineHandlers(env: HandlerEnv): Record<'model' | 'prime' | 'rl', CellHandler> {
  return { model: modelHandler(env), prime: primeHandler(env), rl: rlHandler(env) };
}
