// The messages between the page and a js cell's Worker: the page sends the code and its inputs; the worker
// asks for traces (the page holds the store) and ends with a result or an error.
import type { JsonValue, TraceRecord } from '../store/schema.ts';

export type ToJsCell =
  | { type: 'run'; source: string; inputs: unknown; params: unknown }
  | { type: 'traces'; id: number; traces?: TraceRecord[]; error?: string };

export type FromJsCell =
  | { type: 'traces'; id: number; cellId: string }
  | { type: 'result'; value: JsonValue }
  | { type: 'error'; message: string };
