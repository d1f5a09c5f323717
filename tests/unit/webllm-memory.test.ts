import { describe, expect, it } from 'vitest';
import { GpuMemoryLedger, planUnloads, type GpuBackend, type GpuResident } from '../../src/generators/memory.ts';
import { WebLlmGenerator } from '../../src/generators/webllm/generator.ts';
import { prebuiltModel, WebLlmStandIn } from '../support/webllmStandIn.ts';

const GB = 1e9;

function resident(name: string, backend: GpuBackend, gigabytes: number, unloaded: string[] = []): GpuResident {
  return { name, backend, bytes: gigabytes * GB, unload: async () => void unloaded.push(name) };
}

describe('planUnloads', () => {
  const loaded = [
    resident('engine-small', 'primer', 0.5),
    resident('engine-big', 'primer', 2),
    resident('judge', 'webllm', 1),
  ];

  it('unloads nothing while everything fits', () => {
    expect(planUnloads(loaded, { backend: 'webllm', bytes: 0.5 * GB }, 4 * GB)).toEqual([]);
  });

  it("unloads the other backend's models, largest first, only as far as needed", () => {
    expect(planUnloads(loaded, { backend: 'webllm', bytes: 2 * GB }, 4 * GB).map((r) => r.name)).toEqual([
      'engine-big',
    ]);
    expect(planUnloads(loaded, { backend: 'webllm', bytes: 2.9 * GB }, 4 * GB).map((r) => r.name)).toEqual([
      'engine-big',
      'engine-small',
    ]);
    expect(planUnloads(loaded, { backend: 'primer', bytes: 3.5 * GB }, 4 * GB).map((r) => r.name)).toEqual(['judge']);
  });

  it("never unloads the incoming backend's own models, even when the budget cannot be met", () => {
    expect(planUnloads(loaded, { backend: 'primer', bytes: 9 * GB }, 4 * GB).map((r) => r.name)).toEqual(['judge']);
  });
});

describe('GpuMemoryLedger', () => {
  it('says what is loaded and what it costs, replacing a model registered again', () => {
    const ledger = new GpuMemoryLedger(4 * GB);
    expect(ledger.summary()).toBe('No model on the GPU (budget 4.0 GB).');
    ledger.register(resident('qwen2.5-0.5b', 'primer', 0.3));
    const remove = ledger.register(resident('Qwen2.5-1.5B-Instruct-q4f16_1-MLC', 'webllm', 1.7));
    ledger.register(resident('qwen2.5-0.5b', 'primer', 0.4));
    expect(ledger.totalBytes).toBeCloseTo(2.1 * GB);
    expect(ledger.summary()).toBe(
      "Qwen2.5-1.5B-Instruct-q4f16_1-MLC (WebLLM) 1.7 GB + qwen2.5-0.5b (Primer's engine) 0.4 GB: 2.1 GB of 4.0 GB.",
    );
    remove();
    expect(ledger.loaded.map((r) => r.name)).toEqual(['qwen2.5-0.5b']);
  });

  it('calls the unload callbacks it plans, and forgets those models', async () => {
    const unloaded: string[] = [];
    const ledger = new GpuMemoryLedger(3 * GB);
    ledger.register(resident('engine', 'primer', 2, unloaded));
    ledger.register(resident('judge', 'webllm', 0.5, unloaded));
    expect(await ledger.makeRoom('primer', 0.4 * GB)).toEqual([]);
    expect((await ledger.makeRoom('webllm', 1 * GB)).map((r) => r.name)).toEqual(['engine']);
    expect(unloaded).toEqual(['engine']);
    expect(ledger.loaded.map((r) => r.name)).toEqual(['judge']);
  });

  it('refuses a budget that is not a positive number', () => {
    expect(() => new GpuMemoryLedger(0)).toThrow('GPU memory budget must be a positive number of bytes, got 0');
  });
});

describe('WebLlmGenerator and the ledger', () => {
  it("makes room by unloading the engine's model, registers its own, and unregisters on unload", async () => {
    const model = prebuiltModel('Qwen/Qwen2.5-1.5B-Instruct');
    const standIn = new WebLlmStandIn();
    standIn.publishTiny(model.record);
    const unloaded: string[] = [];
    const ledger = new GpuMemoryLedger(3 * GB);
    ledger.register(resident('qwen2.5-3b', 'primer', 2.2, unloaded));
    const generator = new WebLlmGenerator({ model, createEngine: standIn.createEngine, caches: null, ledger });
    await generator.load();
    expect(unloaded).toEqual(['qwen2.5-3b']);
    expect(ledger.loaded.map((r) => [r.name, r.backend, r.bytes])).toEqual([
      [model.modelId, 'webllm', 1629.75 * 2 ** 20],
    ]);
    // The engine loading something big asks WebLLM to make room through the same ledger.
    await ledger.makeRoom('primer', 2 * GB);
    expect(standIn.engines[0].terminated).toBe(true);
    expect(ledger.loaded).toEqual([]);
  });
});
