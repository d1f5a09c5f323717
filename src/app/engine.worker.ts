// The engine Worker: owns the GPU device and the models, and answers EngineService calls from the page.
/// <reference lib="webworker" />
import { LocalEngine } from './localEngine.ts';
import { fromWire, toWire, type FromWorker, type ToWorker, type WireError } from './engineProtocol.ts';
import type { EngineService, TrainHooks } from './engineService.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const engine = new LocalEngine();
const controllers = new Map<number, AbortController>();
const acks = new Map<number, (error?: WireError) => void>();
const post = (msg: FromWorker) => scope.postMessage(msg);

function cancelled(): Error {
  return Object.assign(new Error('training was cancelled'), { name: 'AbortError' });
}

/** Waits for the page to store what was sent; a failed save or a cancel ends the wait with an error. */
function waitAck(id: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    const onAbort = () => {
      acks.delete(id);
      reject(cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    acks.set(id, (error) => {
      acks.delete(id);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(fromWire(error));
      else resolve();
    });
  });
}

function hooksFor(id: number): TrainHooks {
  const controller = new AbortController();
  controllers.set(id, controller);
  return {
    signal: controller.signal,
    onEvent: (event) => post({ id, type: 'event', event }),
    onCheckpoint: async (step, bytes) => {
      post({ id, type: 'checkpoint', step, bytes });
      await waitAck(id, controller.signal);
    },
    onRollouts: async (rollouts) => {
      post({ id, type: 'rollouts', rollouts });
      await waitAck(id, controller.signal);
    },
  };
}

scope.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'cancel') return controllers.get(msg.id)?.abort();
  if (msg.type === 'ack') return acks.get(msg.id)?.(msg.error);
  const hooks = hooksFor(msg.id);
  try {
    const method = engine[msg.method] as (...args: unknown[]) => Promise<unknown>;
    const value = await method.apply(engine, [...msg.args, hooks]);
    post({ id: msg.id, type: 'result', value });
  } catch (err) {
    post({ id: msg.id, type: 'error', ...toWire(err) });
  } finally {
    controllers.get(msg.id)?.abort(); // whatever still runs for a call that ended (e.g. on a lost GPU) stops
    controllers.delete(msg.id);
    acks.delete(msg.id);
  }
};

export type { EngineService };
