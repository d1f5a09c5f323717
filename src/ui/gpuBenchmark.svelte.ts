import type { EngineService, GpuBenchmark } from '../app/engineService.ts';
import { notebookCost } from '../app/notebookCost.ts';
import { shippedNotebooks } from './shipped.ts';

/** A shipped notebook's expected time on this GPU, or why it has none. */
export interface NotebookEstimate {
  id: string;
  title: string;
  minutes: number | null;
  why?: string;
}

/** "Benchmark this GPU": runs the engine Worker's probes and holds their figures and the notebooks' estimates. */
export class GpuBenchmarkRun {
  state = $state<'idle' | 'running' | 'done' | 'failed'>('idle');
  stage = $state('');
  result = $state<GpuBenchmark | null>(null);
  estimates = $state<NotebookEstimate[]>([]);
  error = $state('');
  copyMessage = $state('');

  constructor(private readonly engine: () => EngineService) {}

  async run(): Promise<void> {
    if (this.state === 'running') return;
    this.state = 'running';
    this.error = '';
    this.copyMessage = '';
    try {
      const result = await this.engine().benchmark({
        onEvent: (e) => {
          if (e.type === 'progress') this.stage = e.progress.detail ?? '';
        },
      });
      this.estimates = shippedNotebooks.map((nb) => estimate(nb, result));
      this.result = result;
      this.state = 'done';
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.state = 'failed';
    }
  }

  /** The figures and the estimates as one JSON object (what "Copy JSON" copies). */
  json(): string {
    const notebooks = Object.fromEntries(this.estimates.map((e) => [e.id, e.minutes]));
    return JSON.stringify({ ...this.result, notebook_minutes: notebooks }, null, 2);
  }

  async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.json());
      this.copyMessage = 'Copied.';
    } catch (err) {
      this.copyMessage = `The clipboard refused (${err instanceof Error ? err.message : String(err)}): copy the text below.`;
    }
  }
}

function estimate(nb: (typeof shippedNotebooks)[number], bench: GpuBenchmark): NotebookEstimate {
  try {
    return { id: nb.id, title: nb.title, minutes: Math.round(notebookCost(nb.source, bench).minutes * 10) / 10 };
  } catch (err) {
    return { id: nb.id, title: nb.title, minutes: null, why: err instanceof Error ? err.message : String(err) };
  }
}
