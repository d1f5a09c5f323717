// How long work reports how far it has come: model loads, training runs and sampling in the engine, and every
// cell's run above it (the store keeps the last report with a running cell's output).
export interface ProgressReport {
  /** What is being counted, e.g. "problems" or "steps". */
  what: string;
  done: number;
  total: number;
  /** Items per second. */
  rate?: number;
  secondsLeft?: number;
  /** Set while bytes come over the network (a model download), not from this device. */
  download?: boolean;
  /** What is happening within the current item, e.g. "step 3 of 188: micro-batch 2 of 4 (1,024 tokens)". */
  detail?: string;
}

export type OnProgress = (progress: ProgressReport) => void;
