// The engine as the notebook sees it: load a model, generate, train. In the browser it lives in a Worker
// (engineClient.ts); in Node the CLI calls it directly. Every long call takes events (progress, streamed text,
// training steps) and an AbortSignal.
import type { StepMetrics } from '../behaviors/metrics.ts';
import type { CountdownProblem, GenerateRequest, Generation } from '../tasks/types.ts';
import type { TokenizerConfig } from '../engine/chatTemplate.ts';
import type { ProgressReport } from '../store/schema.ts';
import type { ModelSpec } from '../engine/openDecoder.ts';
import type { GpuBenchmark } from '../engine/gpuBenchmark.ts';
import type { SftOptions } from '../engine/train/sft.ts';
import type { TrainProgress } from '../engine/train/trainLoop.ts';
import type { RlJob } from './taskRl.ts';

export type { GpuBenchmark, ModelSpec, RlJob, TrainProgress };

export interface ModelInfo {
  handle: string;
  name: string;
  arch: string;
  params: number;
  layers: number;
  vocab: number;
  /** Its weights plus one sequence's KV cache and scratch (catalog.ts residentGpuBytes), as the GPU ledger counts. */
  gpuBytes: number;
  weights: string;
  hasChatTemplate: boolean;
  /** Hub models: true when every file came from this device's cache (nothing was downloaded). */
  fromCache?: boolean;
}

export type EngineEvent =
  | { type: 'progress'; progress: ProgressReport }
  | { type: 'train'; progress: TrainProgress }
  /** A row's newly written text, batched per frame: `tokens` tokens' worth. */
  | { type: 'text'; row: number; delta: string; tokens: number }
  | { type: 'step'; metrics: StepMetrics }
  | { type: 'eval'; metrics: StepMetrics };

/** A priming run: the engine's SFT options as they are (plain data, so they cross to the Worker). */
export type PrimeJob = SftOptions;

export interface Rollout {
  step: number;
  problem: CountdownProblem;
  prompt: string;
  completion: string;
  reward: number;
}

export interface TrainHooks {
  onEvent?: (event: EngineEvent) => void;
  /** Called with each checkpoint as it is made; the caller stores it before training goes on. */
  onCheckpoint?: (step: number, bytes: Uint8Array) => Promise<void>;
  /** RL only: every rollout of a step, for the notebook's traces store. */
  onRollouts?: (rollouts: Rollout[]) => Promise<void>;
  signal?: AbortSignal;
}

export interface TrainResult {
  steps: number;
  /** The trained adapter in PEFT form (LoRA), or the full weights as safetensors (full training). */
  files: Record<string, Uint8Array>;
}

export interface EngineService {
  load(handle: string, spec: ModelSpec, hooks?: TrainHooks): Promise<ModelInfo>;
  /** Generates with `handle`: a loaded model, or a trained result (its base model with its adapter or weights). */
  generate(
    handle: string,
    request: Omit<GenerateRequest, 'onText' | 'signal'>,
    hooks?: TrainHooks,
  ): Promise<Generation[]>;
  /** Trains from `handle` (a model or an earlier result); the trained model becomes `resultHandle`. */
  prime(handle: string, job: PrimeJob, resultHandle: string, hooks?: TrainHooks): Promise<TrainResult>;
  rl(handle: string, job: RlJob, resultHandle: string, hooks?: TrainHooks): Promise<TrainResult>;
  /** Loads a trained result (PEFT adapter or full weights, as TrainResult.files) as `resultHandle` on `handle`. */
  attach(handle: string, resultHandle: string, files: Record<string, Uint8Array>): Promise<void>;
  /** How many tokens each text is in the model's own tokenizer (no special tokens added). */
  countTokens(handle: string, texts: string[]): Promise<number[]>;
  /** The tokenizer_config.json of a loaded model (its chat template), or undefined when it has none. */
  tokenizerConfig(handle: string): Promise<TokenizerConfig | undefined>;
  has(handle: string): Promise<boolean>;
  unload(handle: string): Promise<void>;
  /** "Benchmark this GPU": the probes of gpuBenchmark.ts on the engine's device, each stage reported as progress. */
  benchmark(hooks?: TrainHooks): Promise<GpuBenchmark>;
}
