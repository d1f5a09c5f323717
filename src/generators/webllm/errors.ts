// WebLLM's failures as Primer errors with a sentence a user can act on. Across the worker boundary WebLLM
// loses its error classes: WebWorkerMLCEngineHandler posts err.toString() and the page-side promise
// rejects with that string ("ShaderF16SupportError: This model requires ..."), so errors are recognised by
// the class name at the start of the text, then by message patterns for what has no class of its own.

export type WebLlmErrorKind =
  'no-webgpu' | 'no-shader-f16' | 'out-of-memory' | 'download' | 'no-build' | 'worker' | 'failed';

export class WebLlmError extends Error {
  /**
   * @param reason a clause saying what went wrong ("this GPU has no shader-f16 ..."), for notes like
   *   "WebLLM could not start: <reason>; ..."
   * @param advice what to do about it
   */
  constructor(
    readonly kind: WebLlmErrorKind,
    readonly reason: string,
    readonly advice: string,
  ) {
    super(`${capitalize(reason)}. ${capitalize(advice)}.`);
    this.name = 'WebLlmError';
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The class name and message of an Error, or of the "Name: message" string a worker rejects with. */
function describeFailure(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  const text = String(err);
  const match = /^(\w*Error): ([\s\S]*)$/.exec(text);
  return match ? { name: match[1], message: match[2] } : { name: '', message: text };
}

export interface FailureContext {
  modelId: string;
  /** Estimated GPU bytes of the model, for the out-of-memory sentence. */
  gpuBytes?: number;
}

function classify(name: string, message: string): WebLlmErrorKind {
  if (
    name === 'WebGPUNotAvailableError' ||
    name === 'WebGPUNotFoundError' ||
    /navigator\.gpu|WebGPU is not/i.test(message)
  ) {
    return 'no-webgpu';
  }
  if (name === 'ShaderF16SupportError' || /shader-f16|extension 'f16'|enable f16/i.test(message))
    return 'no-shader-f16';
  if (name === 'DeviceLostError' || /device (was )?lost|out of memory|\bOOM\b/i.test(message)) return 'out-of-memory';
  if (/Failed to fetch|NetworkError|Request failed|Cannot fetch|Load failed/i.test(message)) return 'download';
  if (name === 'ModelNotFoundError' || name === 'MissingModelError') return 'no-build';
  if (name === 'WorkerError') return 'worker';
  return 'failed';
}

/** Turns whatever WebLLM threw or rejected with into a WebLlmError (a WebLlmError passes through). */
export function explainWebLlmError(err: unknown, context: FailureContext): WebLlmError {
  if (err instanceof WebLlmError) return err;
  const { name, message } = describeFailure(err);
  const { modelId } = context;
  const cause = message.split('\n')[0].slice(0, 200);
  switch (classify(name, message)) {
    case 'no-webgpu':
      return new WebLlmError(
        'no-webgpu',
        'WebGPU is not available to WebLLM in its worker',
        'use Chrome or Edge 113+ on a machine with a GPU (on Linux start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan)',
      );
    case 'no-shader-f16':
      return new WebLlmError(
        'no-shader-f16',
        `${modelId} is a q4f16_1 build, which needs the GPU feature shader-f16, and this GPU has none`,
        'use the q4f32_1 build (quantization: q4f32_1)',
      );
    case 'out-of-memory': {
      const needs = context.gpuBytes ? ` (it needs about ${(context.gpuBytes / 1e9).toFixed(1)} GB)` : '';
      return new WebLlmError(
        'out-of-memory',
        `the GPU ran out of memory or lost its device while running ${modelId}${needs}`,
        "close other tabs that use the GPU, unload Primer's own model, or pick a smaller model",
      );
    }
    case 'download':
      return /Request failed/i.test(message)
        ? new WebLlmError(
            'download',
            `a file of ${modelId} could not be downloaded: huggingface.co answered with an HTTP error such as 404`,
            `check that https://huggingface.co/mlc-ai/${modelId} still exists; WebLLM's prebuilt list may be out of date`,
          )
        : new WebLlmError(
            'download',
            `the download of ${modelId} failed (${cause})`,
            'check the network connection and try again; files already downloaded stay in the browser cache',
          );
    case 'no-build':
      return new WebLlmError(
        'no-build',
        `WebLLM does not know the model ${modelId}`,
        'pick a model from the list WebLLM offers',
      );
    case 'worker':
      return new WebLlmError('worker', `the WebLLM worker stopped (${cause})`, 'reload the page and try again');
    case 'failed':
      return new WebLlmError(
        'failed',
        `WebLLM failed while running ${modelId}: ${name ? `${name}: ` : ''}${cause}`,
        'see the browser console for details',
      );
  }
}
