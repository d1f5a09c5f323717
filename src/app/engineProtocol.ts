// The messages between the page and the engine Worker: a call names an EngineService method and its
// arguments; the worker answers with events while it works, then a result or an error. Hooks (callbacks and
// the AbortSignal) cannot cross postMessage, so they travel as events and a cancel message. A checkpoint or
// rollouts message waits for an ack: the page stored them, or `error` says why it could not.
import type { EngineEvent, EngineService, Rollout } from './engineService.ts';

export type Method = keyof EngineService;

export interface WireError {
  name: string;
  message: string;
}

export type ToWorker =
  | { id: number; type: 'call'; method: Method; args: unknown[] }
  | { id: number; type: 'cancel' }
  | { id: number; type: 'ack'; error?: WireError };

export type FromWorker =
  | { id: number; type: 'event'; event: EngineEvent }
  | { id: number; type: 'checkpoint'; step: number; bytes: Uint8Array }
  | { id: number; type: 'rollouts'; rollouts: Rollout[] }
  | { id: number; type: 'result'; value: unknown }
  | ({ id: number; type: 'error' } & WireError);

export function toWire(err: unknown): WireError {
  const error = err instanceof Error ? err : new Error(String(err));
  return { name: error.name, message: error.message };
}

export function fromWire(wire: WireError): Error {
  return Object.assign(new Error(wire.message), { name: wire.name });
}
