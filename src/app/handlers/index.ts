import type { CellHandlers } from '../../notebook/runner.ts';
import { engineHandlers } from './engine.ts';
import type { HandlerEnv } from './env.ts';
import { offlineHandlers } from './offline.ts';
import { sampleHandler } from './sample.ts';
import { viewHandlers } from './views.ts';

/** Every cell kind's handler, over one environment (store, engine, secrets). */
export function createHandlers(env: HandlerEnv): CellHandlers {
  return { ...offlineHandlers(env), ...viewHandlers(env), ...engineHandlers(env), sample: sampleHandler(env) };
}

export type { HandlerEnv };
