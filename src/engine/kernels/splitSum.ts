// The gpu family's split-K reduction, chosen per device: subgroupAdd where the device has `subgroups` (and the
// kernel settings allow it), workgroup memory otherwise. Both define reduceParts with one contract.
import { kernelSettings } from '../kernelFamily.ts';
import subgroupCode from './splitSumSubgroup.wgsl?raw';
import workgroupCode from './splitSumWorkgroup.wgsl?raw';

/** Partial sums a thread may hand to reduceParts (the size of its workgroup-memory rows). */
export const MAX_PARTS = 16;

/** The reduceParts source `device` uses, to prepend to a kernel that declares THREADS and PARTS. */
export function splitSumCode(device: GPUDevice): string {
  return kernelSettings(device).subgroups ? subgroupCode : workgroupCode;
}
