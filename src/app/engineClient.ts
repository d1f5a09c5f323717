// The page side of the engine Worker: an EngineService whose calls are messages. Checkpoints and rollouts
// are acknowledged only after the page has stored them, so the worker never runs ahead of what is saved; a
// save that fails is answered with its error, so the run stops with it instead of waiting forever.
import { engineWorkerName } from '../engine/kernelFamily.ts';
import { fromWire, toWire, type FromWorker, type Method, type ToWorker } from './engineProtocol.ts';
import type { EngineService, TrainHooks } from './engineService.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  hooks?: TrainHooks;
}

export function connectEngine(
  worker: Worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: engineWorkerName(location.search),
  }),
): EngineService {
  let next = 1;
  const pending = new Map<number, Pending>();
  const send = (msg: ToWorker) => worker.postMessage(msg);

  worker.onmessage = async (e: MessageEvent<FromWorker>) => {
    const msg = e.data;
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'event') p.hooks?.onEvent?.(msg.event);
    else if (msg.type === 'checkpoint' || msg.type === 'rollouts') {
      try {
        if (msg.type === 'checkpoint') await p.hooks?.onCheckpoint?.(msg.step, msg.bytes);
        else await p.hooks?.onRollouts?.(msg.rollouts);
        send({ id: msg.id, type: 'ack' });
      } catch (err) {
        send({ id: msg.id, type: 'ack', error: toWire(err) });
      }
    } else {
      pending.delete(msg.id);
      if (msg.type === 'result') p.resolve(msg.value);
      else p.reject(fromWire(msg));
    }
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`the engine worker failed: ${e.message}`));
    pending.clear();
  };

  function call<T>(method: Method, args: unknown[], hooks?: TrainHooks): Promise<T> {
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, hooks });
      hooks?.signal?.addEventListener('abort', () => send({ id, type: 'cancel' }), { once: true });
      send({ id, type: 'call', method, args });
    });
  }

  return {
    load: (handle, spec, hooks) => call('load', [handle, spec], hooks),
    generate: (handle, request, hooks) => call('generate', [handle, request], hooks),
    prime: (handle, job, result, hooks) => call('prime', [handle, job, result], hooks),
    rl: (handle, job, result, hooks) => call('rl', [handle, job, result], hooks),
    attach: (handle, result, files) => call('attach', [handle, result, files]),
    countTokens: (handle, texts) => call('countTokens', [handle, texts]),
    tokenizerConfig: (handle) => call('tokenizerConfig', [handle]),
    has: (handle) => call('has', [handle]),
    unload: (handle) => call('unload', [handle]),
    benchmark: (hooks) => call('benchmark', [], hooks),
  };
}
