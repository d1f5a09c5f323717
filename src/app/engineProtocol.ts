// The messages between the page and the engine Worker: a call names an EngineService method and its
// arguments; the worker answers with events while it works, then a result or an error. Hooks (callbacks and
// the AbortSignal) cannot cross postMessage, so they travel as events and a cancel message.
import type { EngineEvent, EngineService, Rollout } from './engineService.ts';

export type Method = keyof EngineService;

export type ToWorker =
  | { id: number; type: 'call'; method: Method; args: unknown[] }
  | { id: number; type: 'cancel' }
  | { id: number; type: 'ack' };

export type FromWorker =
  | { id: number; type: 'event'; event: EngineEvent }
  | { id: number; type: 'checkpoint'; step: number; bytes: Uint8Array }
  | { id: number; type: 'rollouts'; rollouts: Rollout[] }
  | { id: number; type: 'result'; value: unknown }
  | { id: number; type: 'error'; name: string; message: string };
