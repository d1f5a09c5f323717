// Runs a js cell's code in its own Worker (jsCell.worker.ts), one per run: the page answers its requests for
// traces from the store, and Cancel ends the worker at once, whatever the code is doing.
import type { JsonValue, TraceRecord } from '../store/schema.ts';
import type { FromJsCell, ToJsCell } from './jsCellProtocol.ts';

export interface JsCellRun {
  source: string;
  inputs: unknown;
  params: unknown;
  traces: (cellId: string) => Promise<TraceRecord[]>;
  signal: AbortSignal;
}

export function runJsInWorker(run: JsCellRun): Promise<JsonValue> {
  const worker = new Worker(new URL('./jsCell.worker.ts', import.meta.url), { type: 'module' });
  const send = (msg: ToJsCell) => worker.postMessage(msg);
  return new Promise<JsonValue>((resolve, reject) => {
    const end = (settle: () => void) => {
      worker.terminate();
      settle();
    };
    run.signal.addEventListener('abort', () => end(() => reject(new Error('cancelled'))), { once: true });
    worker.onerror = (e) => end(() => reject(new Error(`the js cell's worker failed: ${e.message}`)));
    worker.onmessage = async (e: MessageEvent<FromJsCell>) => {
      const msg = e.data;
      if (msg.type === 'result') return end(() => resolve(msg.value));
      if (msg.type === 'error') return end(() => reject(new Error(msg.message)));
      try {
        send({ type: 'traces', id: msg.id, traces: await run.traces(msg.cellId) });
      } catch (err) {
        send({ type: 'traces', id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    };
    send({ type: 'run', source: run.source, inputs: run.inputs, params: run.params });
  });
}
