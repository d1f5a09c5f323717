// What SFT and GRPO share around the Trainer: starting fresh or from a checkpoint (the adapter or every weight,
// AdamW's moments, the step, the RNG and the run's own state such as its data order), checkpoints, packing
// sequences into micro-batches by a token budget, cancellation, timing, and the trained result as files.
//
// The model passed in is left as it was found. LoRA trains an adapter attached to it for the run (an adapter
// that was already attached, e.g. a primed one, is the starting point and stays frozen as GRPO's reference),
// then the previous adapter is put back. Full training trains a GPU copy of the weights.
import { initLoraAdapter } from '../lora/adapter.ts';
import { loraConfig, type LoraTarget } from '../lora/config.ts';
import type { GpuLoraAdapter } from '../lora/gpuAdapter.ts';
import { exportPeftAdapter } from '../lora/peft.ts';
import type { Decoder } from '../model/decoder.ts';
import type { AdamWConfig } from './adamw.ts';
import {
  readCheckpoint,
  readFullCheckpoint,
  writeCheckpoint,
  writeFullCheckpoint,
  type Json,
  type TrainCheckpoint,
} from './checkpoint.ts';
import { cloneDecoder, downloadWeights, modelFiles, writeWeights } from './fullWeights.ts';
import { Rng } from './rng.ts';
import { Trainer } from './trainer.ts';
import type { Generation } from '../../tasks/types.ts';

/** Where a run is between steps, for people watching a slow one: reported at once and within every step. */
export interface TrainProgress {
  /** Steps completed. */
  step: number;
  steps: number;
  /** What the run does now, e.g. "tokenizing 188 examples" or "micro-batch 2 of 4 (1,024 tokens)". */
  doing: string;
  /** Share of the current step done, 0 to 1 (rate and time left are known before the first step ends). */
  within: number;
}

export interface TrainCallbacks<M> {
  /** Aborting stops the run between micro-batches (or decode steps); the run then throws an AbortError. */
  signal?: AbortSignal;
  onStep?: (metrics: M) => void | Promise<void>;
  /** Several times a step (at most every PROGRESS_MS, plus each phase's start). */
  onProgress?: (progress: TrainProgress) => void;
  /** Awaited: the caller stores the bytes (resume with them) before training goes on. */
  onCheckpoint?: (step: number, bytes: Uint8Array) => void | Promise<void>;
}

export interface TrainOutcome {
  /** Steps completed, counting those before a resume. */
  steps: number;
  /** LoRA: adapter_model.safetensors + adapter_config.json (PEFT). Full: model.safetensors + config.json. */
  files: Record<string, Uint8Array>;
}

export type TrainMethod = 'lora' | 'full';

export interface SessionSpec {
  kind: 'sft' | 'grpo';
  method: TrainMethod;
  /** A fresh adapter's shape (ignored when the model already has an adapter attached, or on resume). */
  lora: { rank: number; alpha: number; targets?: LoraTarget[] };
  seed: number;
  microBatchTokens: number;
  checkpointing?: boolean;
  adamw?: Partial<AdamWConfig>;
  /** The temperature log-probabilities are taken at (GRPO: the sampling temperature). */
  temperature?: number;
  resume?: Uint8Array;
}

type RunState = Record<string, Json>;

/** The checkpoint, when it comes from the same kind of run (SFT or GRPO, LoRA or full). */
function checkRun<C extends { config: Json }>(checkpoint: C, spec: SessionSpec): C {
  const saved = checkpoint.config as RunState | null;
  if (saved?.kind !== spec.kind || saved?.method !== spec.method) {
    throw new Error(
      `checkpoint: it is from ${String(saved?.kind)} (${String(saved?.method)}) training, this run is ${spec.kind} (${spec.method})`,
    );
  }
  return checkpoint;
}

/** The token an SFT completion ends with in training (the model's first eos id). */
export function eosOf(model: Decoder): number {
  const eos = model.config.eosTokenIds[0];
  if (eos === undefined)
    throw new Error('training: the model has no eos token id (config.json / generation_config.json)');
  return eos;
}

/**
 * A sampled completion as training ids: its tokens and, when it stopped at an eos, the eos id that was sampled
 * (a model with several, such as Llama 3's <|end_of_text|> and <|eot_id|>, is trained on the one it chose).
 */
export function sampledCompletionIds(gen: Pick<Generation, 'tokenIds' | 'finish' | 'eosId'>): number[] {
  if (gen.finish !== 'eos') return [...(gen.tokenIds ?? [])];
  if (gen.eosId === undefined) throw new Error('training: a completion that ended at eos does not say which eos id');
  return [...(gen.tokenIds ?? []), gen.eosId];
}

function abortError(): Error {
  const err = new Error('training was cancelled');
  err.name = 'AbortError';
  return err;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/** Consecutive groups of items whose lengths sum to at most `budget` (an item longer than it is an error). */
export function packByTokens<T>(items: T[], length: (item: T) => number, budget: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const n = length(item);
    if (n > budget) throw new Error(`a ${n}-token sequence does not fit the micro-batch budget of ${budget} tokens`);
    if (used + n > budget && current.length > 0) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** True when every value of every array is a finite number. */
function allFinite(arrays: Iterable<Float32Array>): boolean {
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

const PROGRESS_MS = 250;

/** onProgress paced: a report goes out when forced (a phase starts) or PROGRESS_MS after the last one. */
export function pacedProgress(
  onProgress: ((p: TrainProgress) => void) | undefined,
): (p: TrainProgress, force?: boolean) => void {
  let last = -Infinity;
  return (p, force = false) => {
    const now = performance.now();
    if (!onProgress || (!force && now - last < PROGRESS_MS)) return;
    last = now;
    onProgress(p);
  };
}

/** Wall time per step in this session, for "time left". */
export class StepClock {
  private last = performance.now();
  private total = 0;
  private laps = 0;

  /** Seconds since the previous lap (or since the clock started). */
  lap(): number {
    const now = performance.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    this.total += seconds;
    this.laps++;
    return seconds;
  }

  secondsLeft(stepsLeft: number): number {
    return this.laps === 0 ? 0 : (this.total / this.laps) * stepsLeft;
  }
}

export class TrainSession {
  /** Steps completed. */
  step = 0;
  rng: Rng;
  /** The run's own state from the checkpoint resumed from. */
  saved: RunState | undefined;
  /** The step of the latest checkpoint made or resumed from (its weights were finite). */
  lastCheckpoint: number | undefined;

  private constructor(
    /** The model passed in. */
    readonly base: Decoder,
    /** The model being trained: `base` with the run's adapter (LoRA) or a copy of it (full). */
    readonly model: Decoder,
    readonly trainer: Trainer,
    /** The adapter attached when the run began (LoRA only): the starting point, kept frozen. */
    readonly reference: GpuLoraAdapter | undefined,
    private readonly spec: SessionSpec,
  ) {
    this.rng = new Rng(spec.seed);
  }

  static async open(base: Decoder, spec: SessionSpec): Promise<TrainSession> {
    const sizes = {
      maxTokens: spec.microBatchTokens,
      checkpointing: spec.checkpointing,
      adamw: spec.adamw,
      temperature: spec.temperature,
    };
    let session: TrainSession;
    let resume: Omit<TrainCheckpoint, 'adapter'> | undefined;
    if (spec.method === 'full') {
      if (base.lora)
        throw new Error(
          'full training of a model with a LoRA adapter attached is not supported (merge the adapter first)',
        );
      const full = spec.resume && checkRun(readFullCheckpoint(spec.resume), spec);
      const model = cloneDecoder(base);
      try {
        if (full) writeWeights(base.device, model.weights, full.weights, 'checkpoint');
        session = new TrainSession(base, model, new Trainer(model, { mode: 'full', ...sizes }), undefined, spec);
      } catch (err) {
        model.destroy();
        throw err;
      }
      resume = full;
    } else {
      const lora = spec.resume && checkRun(readCheckpoint(spec.resume, base.config), spec);
      const reference = base.lora;
      const { rank, alpha, targets } = spec.lora;
      const adapter = lora
        ? lora.adapter
        : reference
          ? await reference.download()
          : initLoraAdapter(base.config, loraConfig({ rank, alpha, targets }), spec.seed);
      session = new TrainSession(base, base, new Trainer(base, { mode: 'lora', adapter, ...sizes }), reference, spec);
      resume = lora;
    }
    if (resume) {
      try {
        session.restore(resume);
      } catch (err) {
        session.close();
        throw err;
      }
    }
    return session;
  }

  private restore(resume: Omit<TrainCheckpoint, 'adapter'>): void {
    this.trainer.optimizer.loadState(resume.optimizer);
    this.step = resume.step;
    this.lastCheckpoint = resume.step;
    this.rng = Rng.fromState(resume.rng);
    this.saved = resume.config as RunState;
  }

  /**
   * Stops a run whose loss or gradient norm is not a finite number (a learning rate too high, usually): the step's
   * update is dropped with the run, and the last checkpoint, made from finite weights, is the one to resume from.
   */
  checkFinite(step: number, loss: number, gradNorm: number): void {
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) return;
    this.diverged(`step ${step} gave loss ${loss} and gradient norm ${gradNorm}`);
  }

  private diverged(what: string): never {
    const resume =
      this.lastCheckpoint === undefined
        ? 'there is no checkpoint of this run, so it must start again'
        : `its last checkpoint (step ${this.lastCheckpoint}) has finite weights to resume from`;
    throw new Error(`training diverged: ${what}. Nothing of it was kept; lower the learning rate (${resume})`);
  }

  /** The trained weights (or the adapter), refused when any is no longer finite. */
  private async finiteWeights() {
    if (this.trainer.lora) {
      const adapter = await this.trainer.lora.download();
      if (!allFinite(adapter.modules.flatMap((m) => [m.a, m.b])))
        this.diverged(`the adapter is not finite after step ${this.step}`);
      return { adapter };
    }
    const weights = await downloadWeights(this.model.device, this.model.weights);
    if (!allFinite([...weights.values()].map((t) => t.data)))
      this.diverged(`the weights are not finite after step ${this.step}`);
    return { weights };
  }

  /** A checkpoint of everything a resumed run needs; `state` is the run's own (data order and such). */
  async checkpoint(state: RunState): Promise<Uint8Array> {
    const trained = await this.finiteWeights();
    const common = {
      step: this.step,
      rng: this.rng.state(),
      config: { kind: this.spec.kind, method: this.spec.method, ...state },
      optimizer: await this.trainer.optimizer.saveState(),
    };
    const bytes = trained.adapter
      ? writeCheckpoint({ ...common, adapter: trained.adapter })
      : writeFullCheckpoint({ ...common, weights: trained.weights });
    this.lastCheckpoint = this.step;
    return bytes;
  }

  async files(): Promise<Record<string, Uint8Array>> {
    const trained = await this.finiteWeights();
    if (!trained.adapter) return modelFiles(this.model.config, trained.weights);
    const peft = exportPeftAdapter(trained.adapter, this.base.name);
    return Object.fromEntries(
      Object.entries(peft).map(([name, data]) => [
        name,
        typeof data === 'string' ? new TextEncoder().encode(data) : data,
      ]),
    );
  }

  /** Frees the run's GPU buffers and puts the model back as it was. */
  close(): void {
    this.trainer.destroy();
    if (this.trainer.lora) {
      this.base.lora = this.reference;
      this.trainer.lora.destroy();
    } else {
      this.model.destroy();
    }
  }
}
