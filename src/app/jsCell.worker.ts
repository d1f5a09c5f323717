// A js cell's code runs here, never on the page: before it runs, this worker takes away everything that
// reaches storage or the network (IndexedDB, where remembered keys live; Cache Storage; fetch and its kin;
// further workers), so the code sees only its inputs, its params and the `nb` API. The service worker also
// serves this script with a Content-Security-Policy that refuses scripts from elsewhere (src/sw.ts).
/// <reference lib="webworker" />
import { notebookApi, runCellCode } from './notebookApi.ts';
import type { FromJsCell, ToJsCell } from './jsCellProtocol.ts';
import type { TraceRecord } from '../store/schema.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = scope.postMessage.bind(scope) as (msg: FromJsCell) => void;

/** What cell code must not reach, wherever the global scope or its prototypes define it. */
const TAKEN_AWAY = [
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'WebSocketStream',
  'WebTransport',
  'EventSource',
  'importScripts',
  'indexedDB',
  'caches',
  'cookieStore',
  'Worker',
  'SharedWorker',
  'BroadcastChannel',
];

function takeAway(): void {
  for (let o: object | null = scope; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
    for (const name of TAKEN_AWAY) if (Object.hasOwn(o, name)) delete (o as Record<string, unknown>)[name];
  // The origin's private file system.
  if (typeof StorageManager !== 'undefined') delete (StorageManager.prototype as Partial<StorageManager>).getDirectory;
}

let nextAsk = 1;
const asked = new Map<number, { resolve: (t: TraceRecord[]) => void; reject: (e: Error) => void }>();
const traces = (cellId: string) =>
  new Promise<TraceRecord[]>((resolve, reject) => {
    const id = nextAsk++;
    asked.set(id, { resolve, reject });
    post({ type: 'traces', id, cellId: String(cellId) });
  });

scope.onmessage = async (e: MessageEvent<ToJsCell>) => {
  const msg = e.data;
  if (msg.type === 'traces') {
    const waiting = asked.get(msg.id);
    asked.delete(msg.id);
    if (msg.error !== undefined) waiting?.reject(new Error(msg.error));
    else waiting?.resolve(msg.traces ?? []);
    return;
  }
  takeAway();
  try {
    post({ type: 'result', value: await runCellCode(msg.source, msg.inputs, msg.params, notebookApi(traces)) });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
