// GPU memory as the engine really allocates it: every buffer created on a device while tracking is on, minus
// those destroyed. `primer bench` reports the peak, so the memory figures come from the engine's own buffers
// rather than from a formula (catalog.ts has the formula, for before anything is allocated).

export interface AllocationTracker {
  /** Bytes in tracked buffers not yet destroyed. */
  readonly live: number;
  /** The most `live` has been since tracking began. */
  readonly peak: number;
  /** Buffers created since tracking began. */
  readonly buffers: number;
  /** Stops counting new buffers (destroys of tracked ones still count). */
  stop(): void;
}

/** Counts the size of every GPUBuffer `device` creates from now on, by wrapping createBuffer. */
export function trackAllocations(device: GPUDevice): AllocationTracker {
  const createBuffer = device.createBuffer;
  const state = { live: 0, peak: 0, buffers: 0 };
  device.createBuffer = function tracked(descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = createBuffer.call(device, descriptor);
    const destroy = buffer.destroy;
    let destroyed = false;
    buffer.destroy = () => {
      // destroy() may be called twice (WebGPU allows it): count the bytes once.
      if (!destroyed) state.live -= buffer.size;
      destroyed = true;
      destroy.call(buffer);
    };
    state.buffers++;
    state.live += buffer.size;
    state.peak = Math.max(state.peak, state.live);
    return buffer;
  };
  return {
    get live() {
      return state.live;
    },
    get peak() {
      return state.peak;
    },
    get buffers() {
      return state.buffers;
    },
    stop() {
      device.createBuffer = createBuffer;
    },
  };
}
