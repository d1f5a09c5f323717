// What every kernel wrapper checks before it records a dispatch: its dimensions, and how many bytes a binding
// covers (to compare with the bytes the dimensions need).
import type { Bindable } from '../compute.ts';

/** Bytes a binding covers. */
export function bindingBytes(b: Bindable): number {
  if (!('buffer' in b)) return b.size;
  return b.size ?? b.buffer.size - (b.offset ?? 0);
}

/** Throws, naming the kernel and the dimension, unless every dimension is a positive integer. */
export function checkDims(kernel: string, dims: Record<string, number>): void {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${kernel}: ${name} = ${value} must be a positive integer`);
  }
}
