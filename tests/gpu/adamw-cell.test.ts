// AdamW's β2 and weight decay, from a prime cell's fields to the engine's optimizer: the two checkpoints a run
// keeps hold the adapter and AdamW's moments after updates 1 and 2, and update 2, recomputed on the CPU
// (reference/adamw.ts) from update 1's state with the cell's β2 and weight decay, gives update 2's state.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/app/handlers/index.ts';
import { LocalEngine } from '../../src/app/localEngine.ts';
import { LORA_TARGETS } from '../../src/engine/lora/config.ts';
import { peftKey, readSafetensorsF32 } from '../../src/engine/lora/peft.ts';
import { adamwStepRef } from '../../src/engine/reference/adamw.ts';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw.ts';
import { learningRate } from '../../src/engine/train/schedule.ts';
import { parseNotebook } from '../../src/notebook/format.ts';
import { NotebookRunner, storeOutputs } from '../../src/notebook/runner.ts';
import { Store } from '../../src/store/db.ts';
import type { CheckpointRecord } from '../../src/store/schema.ts';

const LR = 0.01;
const STEPS = 2; // 4 traces in batches of 2

const notebook = (adamw: string) => `
\`\`\`primer model
id: tiny
source: scratch
layers: 1
dim: 32
heads: 2
context: 2048
\`\`\`

\`\`\`primer dataset
id: d
source: offline
condition: all_strategies
size: 4
seed: 1
\`\`\`

\`\`\`primer prime
id: p
model: tiny
dataset: d
method: lora
rank: 2
alpha: 4
epochs: 1
batch_size: 2
max_length: 2048
lr: ${LR}
warmup: 0
checkpoint_every: 1
seed: 2
${adamw}
\`\`\`
`;

interface State {
  /** The adapter's tensors (one layer, every target) in the optimizer's order, flattened. */
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

function stateOf(record: CheckpointRecord): State {
  const { tensors } = readSafetensorsF32(new Uint8Array(record.data), 'checkpoint');
  // The optimizer packs the adapter module by module, layer then target, A before B (lora/adapter.ts).
  const parts = LORA_TARGETS.flatMap((target) =>
    (['A', 'B'] as const).map((ab) => tensors.get(peftKey(0, target, ab))?.data ?? new Float32Array()),
  );
  expect(parts.every((p) => p.length > 0)).toBe(true);
  const params = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (params.set(p, at), at + p.length), 0);
  return { params, m: tensors.get('optimizer.m.0')!.data, v: tensors.get('optimizer.v.0')!.data };
}

async function checkpoints(adamw: string): Promise<State[]> {
  const store = await Store.open({ name: `adamw-cell-${Math.random()}` });
  const runner = new NotebookRunner({
    notebookId: 'nb',
    notebook: parseNotebook(notebook(adamw)),
    trusted: true,
    handlers: createHandlers({ store, engine: new LocalEngine() }),
    outputs: storeOutputs(store),
  });
  await runner.load();
  const ok = await runner.runAll();
  expect([runner.state('p').error, ok]).toEqual([undefined, true]);
  const { runId } = runner.state('p').value as { runId: string };
  const records = await store.idb.getAll('checkpoints', IDBKeyRange.bound([runId, 0], [runId, Infinity]));
  expect(records.map((r) => r.step)).toEqual([1, 2]);
  return records.map(stateOf);
}

/** Update 2 on the CPU: its gradient read back from the moments (m₂ = β1·m₁ + (1 − β1)·g₂), already clipped. */
function secondUpdate(first: State, second: State, config: typeof DEFAULT_ADAMW): State {
  const grad = second.m.map((m, i) => (m - config.beta1 * first.m[i]) / (1 - config.beta1));
  const t = { param: first.params.slice(), grad, m: first.m.slice(), v: first.v.slice() };
  const lr = learningRate({ kind: 'cosine', lr: LR, warmupSteps: 0, totalSteps: STEPS, floor: 0 }, 1);
  adamwStepRef([t], 2, lr, { ...config, maxGradNorm: 0 });
  return { params: t.param, m: t.m, v: t.v };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((d, x, i) => Math.max(d, Math.abs(x - b[i])), 0);
}

describe("a prime cell's AdamW fields", () => {
  it('reach the optimizer: update 2 is the CPU reference with the cell’s β2 and weight decay', async () => {
    const cell = { ...DEFAULT_ADAMW, beta2: 0.95, weightDecay: 0.1 };
    const [first, second] = await checkpoints('beta2: 0.95\nweight_decay: 0.1');
    expect(second.m.length).toBe(second.params.length);
    const expected = secondUpdate(first, second, cell);
    const scale = Math.max(...second.params.map(Math.abs));
    expect(maxDiff(second.v, expected.v)).toBeLessThan(1e-6 * Math.max(...second.v));
    expect(maxDiff(second.params, expected.params)).toBeLessThan(1e-5 * scale);

    // Each field matters on its own: without the cell's decay, or with the default β2, the reference is off.
    const noDecay = secondUpdate(first, second, { ...cell, weightDecay: 0 });
    expect(maxDiff(second.params, noDecay.params)).toBeGreaterThan(2e-4 * scale);
    const defaultBeta2 = secondUpdate(first, second, { ...cell, beta2: DEFAULT_ADAMW.beta2 });
    expect(maxDiff(second.v, defaultBeta2.v)).toBeGreaterThan(100 * maxDiff(second.v, expected.v));
    // The engine's defaults (β2 0.999, no decay) give a different update 2, and the reference with them is wrong.
    const defaults = secondUpdate(first, second, DEFAULT_ADAMW);
    expect(maxDiff(second.v, defaults.v)).toBeGreaterThan(100 * maxDiff(second.v, expected.v));
    expect(maxDiff(second.params, defaults.params)).toBeGreaterThan(10 * maxDiff(second.params, expected.params));
  });
});
