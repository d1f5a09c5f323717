// EngineService on this thread's own GPU device: the engine Worker runs one, and so does `primer run` in
// Node. Handles name loaded models (a model cell's id) and trained results (a prime or rl cell's id): a
// LoRA result is its base model plus an adapter; a full-weights result is a model of its own.
import { requestGpu } from '../engine/gpu.ts';
import { DeviceGuard } from '../engine/deviceGuard.ts';
import { generateIds } from '../engine/generate.ts';
import { runGpuBenchmark, type BenchmarkStage } from '../engine/gpuBenchmark.ts';
import { importPeftAdapter, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../engine/lora/peft.ts';
import { GpuLoraAdapter } from '../engine/lora/gpuAdapter.ts';
import { paramCounts, residentGpuBytes } from '../engine/model/catalog.ts';
import type { Decoder } from '../engine/model/decoder.ts';
import { openDecoder, specName } from '../engine/openDecoder.ts';
import { trainedDecoder } from '../engine/train/fullWeights.ts';
import { runSft } from '../engine/train/sft.ts';
import { zeroCounts } from '../behaviors/types.ts';
import type { TokenizerConfig } from '../engine/chatTemplate.ts';
import { evaluatePolicy, evaluatesAt, type EvalPlan } from './rlEval.ts';
import { TextBatcher } from './textBatcher.ts';
import type { EngineService, ModelInfo, ModelSpec, PrimeJob, TrainHooks, TrainResult } from './engineService.ts';
import { runTaskRl, type RlJob } from './taskRl.ts';

interface Loaded {
  decoder: Decoder;
  /** The adapter this handle runs with (a LoRA result), or none. */
  adapter?: GpuLoraAdapter;
}

function evalPlan(job: RlJob): EvalPlan {
  return {
    task: job.task,
    template: job.template,
    problems: job.evalProblems ?? [],
    maxTokens: job.maxTokens,
    seed: job.seed,
    every: job.evalEvery ?? 1,
    last: Math.min(job.steps, job.stopAfter ?? job.steps),
  };
}

export class LocalEngine implements EngineService {
  #guard: Promise<DeviceGuard> | undefined;
  #handles = new Map<string, Loaded>();

  /** The device's guard; a lost device forgets every model, and the next call gets a new device. */
  private guard(): Promise<DeviceGuard> {
    this.#guard ??= requestGpu().then((g) => {
      const guard = new DeviceGuard(g.device);
      guard.lost.addEventListener('abort', () => {
        this.#handles.clear();
        this.#guard = undefined;
        console.warn(String(guard.lost.reason));
      });
      return guard;
    });
    return this.#guard;
  }

  /** GPU work that stops at once if the device is lost, and says so plainly if an allocation ran out of memory. */
  private async onGpu<T>(what: string, hooks: TrainHooks | undefined, work: (signal: AbortSignal) => Promise<T>) {
    const guard = await this.guard();
    const resident = new Set([...this.#handles.values()].map((l) => l.decoder));
    const bytes = [...resident].reduce((n, d) => n + d.weights.bytes, 0);
    return guard.run(what, hooks?.signal, work, bytes);
  }

  private get(handle: string): Loaded {
    const loaded = this.#handles.get(handle);
    if (!loaded) throw new Error(`no model "${handle}" is loaded: run its cell first`);
    return loaded;
  }

  /** The decoder of a handle, with the handle's adapter switched in. */
  private use(handle: string): Decoder {
    const { decoder, adapter } = this.get(handle);
    decoder.lora = adapter;
    return decoder;
  }

  async load(handle: string, spec: ModelSpec, hooks?: TrainHooks): Promise<ModelInfo> {
    await this.unload(handle);
    const { device } = await this.guard();
    let downloaded = false;
    const decoder = await this.onGpu(`loading ${specName(spec)}`, hooks, () =>
      openDecoder(device, spec, (progress) => {
        downloaded ||= progress.download === true;
        hooks?.onEvent?.({ type: 'progress', progress });
      }),
    );
    this.#handles.set(handle, { decoder });
    const info = this.info(handle, decoder, specName(spec));
    return spec.source === 'hub' ? { ...info, fromCache: !downloaded } : info;
  }

  private info(handle: string, d: Decoder, name: string): ModelInfo {
    const c = d.config;
    return {
      handle,
      name,
      arch: c.arch,
      params: paramCounts(c).total,
      layers: c.numLayers,
      vocab: c.vocabSize,
      gpuBytes: residentGpuBytes(c, d.weights.bytes),
      weights: d.weights.layers[0]?.q.kind ?? 'f32',
      hasChatTemplate: d.tokenizer.hasChatTemplate,
    };
  }

  async generate(handle: string, request: Parameters<EngineService['generate']>[1], hooks?: TrainHooks) {
    const decoder = this.use(handle);
    const ids = request.prompts.map((p) => decoder.tokenizer.encodePrompt(p));
    const onEvent = hooks?.onEvent;
    const text = onEvent && new TextBatcher((row, delta, tokens) => onEvent({ type: 'text', row, delta, tokens }));
    try {
      return await this.onGpu(`generating with "${handle}"`, hooks, (signal) =>
        generateIds(decoder, ids, { ...request, signal, onText: text && ((row, delta) => text.push(row, delta)) }),
      );
    } finally {
      text?.flush(); // every delta reaches the page before the result does
    }
  }

  async countTokens(handle: string, texts: string[]): Promise<number[]> {
    const { tokenizer } = this.get(handle).decoder;
    return texts.map((text) => tokenizer.encode(text, false).length);
  }

  async tokenizerConfig(handle: string): Promise<TokenizerConfig | undefined> {
    return this.get(handle).decoder.tokenizer.config;
  }

  async attach(handle: string, resultHandle: string, files: Record<string, Uint8Array>): Promise<void> {
    const { decoder } = this.get(handle);
    await this.unload(resultHandle);
    if (files[PEFT_WEIGHTS_FILE]) {
      const config = new TextDecoder().decode(files[PEFT_CONFIG_FILE]);
      const { adapter } = importPeftAdapter({ safetensors: files[PEFT_WEIGHTS_FILE], config }, decoder.config);
      this.#handles.set(resultHandle, { decoder, adapter: GpuLoraAdapter.upload(decoder.device, adapter) });
    } else {
      this.#handles.set(resultHandle, { decoder: await trainedDecoder(decoder, files, resultHandle) });
    }
  }

  async prime(handle: string, job: PrimeJob, resultHandle: string, hooks?: TrainHooks): Promise<TrainResult> {
    return this.onGpu(`training "${resultHandle}"`, hooks, (signal) =>
      this.primeOn(handle, job, resultHandle, signal, hooks),
    );
  }

  private async primeOn(handle: string, job: PrimeJob, resultHandle: string, signal: AbortSignal, hooks?: TrainHooks) {
    const outcome = await runSft(this.use(handle), job, {
      signal,
      onStep: (m) =>
        hooks?.onEvent?.({
          type: 'step',
          metrics: { ...m, accuracy: 0, meanReward: 0, meanLength: 0, behaviors: zeroCounts() },
        }),
      onCheckpoint: hooks?.onCheckpoint,
      onProgress: (progress) => hooks?.onEvent?.({ type: 'train', progress }),
    });
    await this.attach(handle, resultHandle, outcome.files);
    return outcome;
  }

  /** RL trains a copy of the handle's adapter (if it has one), so the primed result it started from stays as it was. */
  async rl(handle: string, job: RlJob, resultHandle: string, hooks?: TrainHooks): Promise<TrainResult> {
    return this.onGpu(`training "${resultHandle}"`, hooks, (signal) =>
      this.rlOn(handle, job, resultHandle, signal, hooks),
    );
  }

  private async rlOn(handle: string, job: RlJob, resultHandle: string, signal: AbortSignal, hooks?: TrainHooks) {
    const decoder = this.use(handle);
    const start = decoder.lora;
    const copy = start && GpuLoraAdapter.upload(decoder.device, await start.download());
    decoder.lora = copy;
    try {
      const plan = job.evalEvery && job.evalProblems?.length ? evalPlan(job) : undefined;
      const outcome = await runTaskRl(decoder, job, {
        signal,
        onStep: (m) => hooks?.onEvent?.({ type: 'step', metrics: m }),
        // Step 0 is the model before any update; step s the policy after update s (the paper's labels).
        onPolicy: async (step, policy) => {
          if (!plan || !evaluatesAt(plan, step)) return;
          const doing = `measuring ${job.evalProblems?.length} held-out problems`;
          hooks?.onEvent?.({ type: 'train', progress: { step, steps: job.steps, doing, within: 0 } });
          hooks?.onEvent?.({ type: 'eval', metrics: await evaluatePolicy(policy, step, plan, signal) });
        },
        onCheckpoint: hooks?.onCheckpoint,
        onRollouts: hooks?.onRollouts,
        onProgress: (progress) => hooks?.onEvent?.({ type: 'train', progress }),
      });
      await this.attach(handle, resultHandle, outcome.files);
      return outcome;
    } finally {
      decoder.lora = start;
      copy?.destroy();
    }
  }

  async benchmark(hooks?: TrainHooks) {
    const { device } = await this.guard();
    const stages: BenchmarkStage[] = ['fma', 'bandwidth', 'decode', 'training'];
    const onStage = (stage: BenchmarkStage) =>
      hooks?.onEvent?.({
        type: 'progress',
        progress: { what: 'probes', done: stages.indexOf(stage), total: stages.length, detail: stage },
      });
    return this.onGpu('benchmarking this GPU', hooks, () => runGpuBenchmark(device, onStage));
  }

  async has(handle: string): Promise<boolean> {
    return this.#handles.has(handle);
  }

  async unload(handle: string): Promise<void> {
    const loaded = this.#handles.get(handle);
    if (!loaded) return;
    this.#handles.delete(handle);
    loaded.adapter?.destroy();
    const shared = [...this.#handles.values()].some((l) => l.decoder === loaded.decoder);
    if (!loaded.adapter && !shared) loaded.decoder.destroy();
  }
}
