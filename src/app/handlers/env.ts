// What every cell handler may use: the store, the engine (absent where there is no GPU), and the secrets.
import type { Store } from '../../store/db.ts';
import type { Secrets } from '../../store/secrets.ts';
import type { CellParamsOf } from '../../notebook/cells.ts';
import type { CellContext } from '../../notebook/runner.ts';
import type { CellKind } from '../../notebook/types.ts';
import type { JsonValue, TraceRecord } from '../../store/schema.ts';
import { tracesBy } from '../../store/traces.ts';
import type { EngineService } from '../engineService.ts';
import type { GpuInfo } from '../../engine/gpu.ts';
import type { GpuMemoryLedger } from '../../generators/memory.ts';
import type { ModelRecord } from '@mlc-ai/web-llm';
import type { WebLlmGeneratorOptions } from '../../generators/webllm/generator.ts';
import type { ChosenFolder } from '../modelFolder.ts';

export interface HandlerEnv {
  store: Store;
  engine?: EngineService;
  /** This page's WebGPU adapter, or null without WebGPU; undefined where WebLLM cannot run at all (Node). */
  gpu?: Pick<GpuInfo, 'shaderF16'> | null;
  secrets?: Secrets;
  /** What the engine and WebLLM hold on the GPU; loading a large model in one unloads the other's. */
  ledger?: GpuMemoryLedger;
  /** Where the Anthropic SDK sends requests; tests point it at a local server. */
  anthropicBaseURL?: string;
  /** How WebLLM starts, where not in its Web Worker with the package's model list (tests give a stand-in). */
  webllm?: Pick<WebLlmGeneratorOptions, 'createEngine' | 'caches'> & { modelList?: readonly ModelRecord[] };
  /** Asks the user for a model folder (the page's folder chooser); absent where there is no page (Node). */
  chooseFolder?: (signal: AbortSignal) => Promise<ChosenFolder>;
}

/** A cell's params as the runner hands them: checked against the kind's declaration and filled with its defaults. */
export function paramsOf<K extends CellKind>(ctx: CellContext, kind: K): CellParamsOf<K> {
  if (ctx.cell.kind !== kind) throw new Error(`cell "${ctx.cell.id}" is a ${ctx.cell.kind} cell, not a ${kind} cell`);
  return ctx.params as CellParamsOf<K>;
}

/** The result of the earlier cell a reference field names (e.g. `from: survey`). */
export function inputOf(ctx: CellContext, id: string | undefined): { id: string; value: JsonValue } {
  const input = id === undefined ? undefined : ctx.inputs[id];
  if (id === undefined || !input) throw new Error(`cell "${ctx.cell.id}": "${String(id)}" is not an earlier cell`);
  return { id, value: input.value };
}

/** The traces that an earlier cell's output points at (a sample, annotate, table or rl cell). */
export async function tracesOf(
  env: HandlerEnv,
  ctx: CellContext,
  cellValue: JsonValue,
  fallbackCell: string,
): Promise<TraceRecord[]> {
  const value = cellValue as { cellId?: unknown } | null;
  const cellId = value && typeof value === 'object' && typeof value.cellId === 'string' ? value.cellId : fallbackCell;
  return tracesBy(env.store, 'cell', [ctx.notebookId, cellId]);
}

/** Where a dataset cell's priming set is kept in the datasets store. */
export function datasetId(notebookId: string, cellId: string): string {
  return `${notebookId}/${cellId}`;
}
