import { describeAdapter, requestAdapter, type GpuInfo } from '../engine/gpu.ts';

/** What this browser's WebGPU offers, probed once without creating a device. */
export class GpuStatus {
  state = $state<'checking' | 'ready' | 'unavailable'>('checking');
  info = $state<GpuInfo | null>(null);
  error = $state('');

  async probe(): Promise<void> {
    try {
      this.info = describeAdapter(await requestAdapter());
      this.state = 'ready';
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.state = 'unavailable';
    }
  }
}
