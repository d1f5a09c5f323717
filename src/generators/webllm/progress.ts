// WebLLM's load progress in Primer's shape. WebLLM reports {progress, timeElapsed, text}; the counts live
// only in the text, whose phrasing comes from tvmjs (apache/tvm web/src/runtime.ts) and WebLLM's engine:
//   "Start to fetch params"
//   "Fetching param cache[3/24]: 120MB fetched. 12% completed, 9 secs elapsed. ..."   (downloading)
//   "Loading model from cache[3/24]: 120MB loaded. 12% completed, 2 secs elapsed."    (onto the GPU)
//   "Loading GPU shader modules[40/86]: 46% completed, 3 secs elapsed."
//   "Finish loading on WebGPU - <adapter>"
// WebLLM's "MB" is MiB (bytes / 2^20, rounded up); timeElapsed is whole seconds, rounded up.

import type { InitProgressReport } from '@mlc-ai/web-llm';

export interface LoadProgress {
  /** What is being counted: 'downloading weights', 'loading weights onto the GPU', 'compiling GPU shaders', 'starting', 'ready'. */
  what: string;
  /** Bytes for weights, shader modules for shaders. */
  done: number;
  total?: number;
  /** 0..1 of the current phase. */
  fraction: number;
  /** Units of `done` per second. */
  rate?: number;
  secondsLeft?: number;
  /** One sentence for the cell's status line. */
  text: string;
}

const MIB = 2 ** 20;
const BYTE_PHASES = [
  { pattern: /^Fetching param cache\[\d+\/\d+\]: (\d+)MB/, what: 'downloading weights', verb: 'Downloading' },
  {
    pattern: /^Loading model from cache\[\d+\/\d+\]: (\d+)MB/,
    what: 'loading weights onto the GPU',
    verb: 'Loading onto the GPU',
  },
];

const megabytes = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
const percent = (fraction: number) => `${Math.floor(fraction * 100)}%`;

/** Rate and time left from what is done after `seconds`; nothing when no time has passed yet. */
function pace(done: number, total: number | undefined, seconds: number): Pick<LoadProgress, 'rate' | 'secondsLeft'> {
  if (!(seconds > 0) || done === 0) return {};
  const rate = done / seconds;
  return total === undefined ? { rate } : { rate, secondsLeft: Math.max(0, total - done) / rate };
}

/** Maps one WebLLM report; `model` names the model in the sentence. */
export function mapInitProgress(report: InitProgressReport, model: string): LoadProgress {
  const fraction = Math.min(1, Math.max(0, report.progress));
  for (const phase of BYTE_PHASES) {
    const match = phase.pattern.exec(report.text);
    if (!match) continue;
    const done = Number(match[1]) * MIB;
    const total = fraction > 0 ? Math.max(done, done / fraction) : undefined;
    const timing = pace(done, total, report.timeElapsed);
    const speed = timing.rate === undefined ? '' : `, ${megabytes(timing.rate)}/s`;
    const left = timing.secondsLeft === undefined ? '' : `, about ${Math.ceil(timing.secondsLeft)} s left`;
    const of = total === undefined ? megabytes(done) : `${Math.round(done / 1e6)} of ${megabytes(total)}`;
    return {
      what: phase.what,
      done,
      total,
      fraction,
      ...timing,
      text: `${phase.verb} ${model}: ${of} (${percent(fraction)})${speed}${left}.`,
    };
  }
  const shaders = /^Loading GPU shader modules\[(\d+)\/(\d+)\]/.exec(report.text);
  if (shaders) {
    const done = Number(shaders[1]);
    const total = Number(shaders[2]);
    return {
      what: 'compiling GPU shaders',
      done,
      total,
      fraction,
      ...pace(done, total, report.timeElapsed),
      text: `Compiling GPU shaders for ${model}: ${done} of ${total}.`,
    };
  }
  if (report.text.startsWith('Start to fetch params')) {
    return { what: 'downloading weights', done: 0, fraction: 0, text: `Fetching the weights of ${model}.` };
  }
  const finished = /^Finish loading on (.*)$/.exec(report.text);
  if (finished) return { what: 'ready', done: 1, total: 1, fraction: 1, text: `${model} is ready on ${finished[1]}.` };
  return { what: 'starting', done: 0, fraction, text: `Starting ${model}: ${report.text}` };
}
