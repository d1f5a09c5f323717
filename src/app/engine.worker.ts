// The engine Worker: owns the GPU device and the models, and answers EngineService calls from the page.
/// <reference lib="webworker" />
import { LocalEngine } from './localEngine.ts';
import type { FromWorker, ToWorker } from './engineProtocol.ts';
import type { EngineService, TrainHooks } from './engineService.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const engine = new LocalEngine();
const controllers = new Map<number, AbortController>();
const acks = new Map<number, () => void>();
const post = (msg: FromWorker) => scope.postMessage(msg);

function hooksFor(id: number): TrainHooks {
  const controller = new AbortController();
  controllers.set(id, controller);
  const waitAck = () => new Promise<void>((resolve) => acks.set(id, resolve));
  return {
    signal: controller.signal,
    onEvent: (event) => post({ id, type: 'event', event }),
    onCheckpoint: async (step, bytes) => {
      post({ id, type: 'checkpoint', step, bytes });
      await waitAck();
    },
    onRollouts: async (rollouts) => {
      post({ id, type: 'rollouts', rollouts });
      await waitAck();
    },
  };
}

scope.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'cancel') return controllers.get(msg.id)?.abort();
  if (msg.type === 'ack') return acks.get(msg.id)?.();
  const hooks = hooksFor(msg.id);
  try {
    const method = engine[msg.method] as (...args: unknown[]) => Promise<unknown>;
    const value = await method.apply(engine, [...msg.args, hooks]);
    post({ id: msg.id, type: 'result', value });
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    post({ id: msg.id, type: 'error', name: error.name, message: error.message });
  } finally {
    controllers.delete(msg.id);
    acks.delete(msg.id);
  }
};

export type { EngineService };
