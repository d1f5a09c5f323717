// The dispatch audit: what the engine really dispatches, recorded by wrapping the encoders a device creates
// (as memory.ts wraps createBuffer). Every compute pass recorded through compute.ts's `dispatch` says its kind,
// its floating-point work and its pipeline's invocations per workgroup (passWork); the wrapper multiplies in the
// workgroup counts the engine passed to dispatchWorkgroups. With `execute: false` the passes are encoded
// (pipelines and bind groups validated) but no workgroup runs, so a Qwen2.5-0.5B-sized step can be audited on a
// CPU adapter in seconds; the figures then describe the engine's dispatches, not the results.
import { passWork, type DispatchWork } from './compute.ts';

export interface RecordedDispatch extends DispatchWork {
  /** Invocations launched: workgroups × invocations per workgroup. */
  threads: number;
}

export interface DispatchRecorder {
  readonly dispatches: RecordedDispatch[];
  /** Stops wrapping new encoders (encoders already wrapped keep recording). */
  stop(): void;
}

/** Records every dispatch `device`'s engine code encodes from now on (see the file header for `execute`). */
export function recordDispatches(device: GPUDevice, options: { execute: boolean }): DispatchRecorder {
  const createCommandEncoder = device.createCommandEncoder;
  const dispatches: RecordedDispatch[] = [];
  device.createCommandEncoder = function recording(descriptor?: GPUCommandEncoderDescriptor): GPUCommandEncoder {
    const encoder = createCommandEncoder.call(device, descriptor);
    const beginComputePass = encoder.beginComputePass;
    encoder.beginComputePass = (passDescriptor?: GPUComputePassDescriptor) => {
      const pass = beginComputePass.call(encoder, passDescriptor);
      const dispatchWorkgroups = pass.dispatchWorkgroups;
      pass.dispatchWorkgroups = (x: number, y = 1, z = 1) => {
        const work = passWork.get(pass);
        dispatches.push({
          kind: work?.kind ?? 'other',
          flops: work?.flops ?? 0,
          threads: x * y * z * (work?.workgroupThreads ?? 1),
        });
        if (options.execute) dispatchWorkgroups.call(pass, x, y, z);
      };
      return pass;
    };
    return encoder;
  };
  return {
    dispatches,
    stop() {
      device.createCommandEncoder = createCommandEncoder;
    },
  };
}

/** The fewest threads of the dispatches that pass `keep` (Infinity when none does). */
export function minThreads(dispatches: readonly RecordedDispatch[], keep: (d: RecordedDispatch) => boolean): number {
  return dispatches.filter(keep).reduce((least, d) => Math.min(least, d.threads), Infinity);
}
