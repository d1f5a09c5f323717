// GPU memory that Primer's engine and WebLLM hold at once. The two never share a device (WebLLM creates its
// own through tvmjs), so each keeps its own copy of a model's weights; the browser gives no way to ask how
// much GPU memory is free. The ledger therefore keeps the estimates both backends register, answers "what is
// loaded and what it costs" for the UI, and, before a model loads, unloads the other backend's models when
// the sum would pass the budget.

export type GpuBackend = 'primer' | 'webllm';

const BACKEND_LABEL: Record<GpuBackend, string> = { primer: "Primer's engine", webllm: 'WebLLM' };

/** A model that holds GPU memory, and how to let it go. */
export interface GpuResident {
  name: string;
  backend: GpuBackend;
  /** Estimated GPU bytes: weights, KV cache and scratch. */
  bytes: number;
  unload: () => Promise<void>;
}

/** A budget for laptop GPUs that share system memory; the UI lets the user change it. */
export const DEFAULT_GPU_BUDGET_BYTES = 4e9;

export function formatGigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e10 ? 1 : 0)} GB`;
}

/**
 * Which residents to unload before `incoming` loads: none while everything fits the budget; otherwise the
 * other backend's models, largest first, until it fits (all of them if even that is not enough). Models
 * of the incoming backend stay: each backend replaces its own models itself.
 */
export function planUnloads(
  loaded: readonly GpuResident[],
  incoming: { backend: GpuBackend; bytes: number },
  budgetBytes: number,
): GpuResident[] {
  let total = incoming.bytes + loaded.reduce((sum, r) => sum + r.bytes, 0);
  const candidates = loaded.filter((r) => r.backend !== incoming.backend).sort((a, b) => b.bytes - a.bytes);
  const plan: GpuResident[] = [];
  for (const resident of candidates) {
    if (total <= budgetBytes) break;
    plan.push(resident);
    total -= resident.bytes;
  }
  return plan;
}

export class GpuMemoryLedger {
  private residents: GpuResident[] = [];

  constructor(readonly budgetBytes = DEFAULT_GPU_BUDGET_BYTES) {
    if (!(budgetBytes > 0)) throw new Error(`GPU memory budget must be a positive number of bytes, got ${budgetBytes}`);
  }

  /** Adds a loaded model (replacing one of the same name and backend); returns the call that removes it. */
  register(resident: GpuResident): () => void {
    this.residents = [
      ...this.residents.filter((r) => !(r.name === resident.name && r.backend === resident.backend)),
      resident,
    ];
    return () => {
      this.residents = this.residents.filter((r) => r !== resident);
    };
  }

  get loaded(): readonly GpuResident[] {
    return this.residents;
  }

  get totalBytes(): number {
    return this.residents.reduce((sum, r) => sum + r.bytes, 0);
  }

  /** One line for the GPU panel, e.g. "Qwen2.5-0.5B-Instruct-q4f16_1-MLC (WebLLM) 1.0 GB: 1.0 GB of 4.0 GB". */
  summary(): string {
    const budget = formatGigabytes(this.budgetBytes);
    if (this.residents.length === 0) return `No model on the GPU (budget ${budget}).`;
    const parts = this.residents.map((r) => `${r.name} (${BACKEND_LABEL[r.backend]}) ${formatGigabytes(r.bytes)}`);
    return `${parts.join(' + ')}: ${formatGigabytes(this.totalBytes)} of ${budget}.`;
  }

  /** Unloads what planUnloads picks for a model about to load; returns the models it unloaded. */
  async makeRoom(backend: GpuBackend, bytes: number): Promise<GpuResident[]> {
    const plan = planUnloads(this.residents, { backend, bytes }, this.budgetBytes);
    for (const resident of plan) {
      await resident.unload();
      this.residents = this.residents.filter((r) => r !== resident);
    }
    return plan;
  }
}
