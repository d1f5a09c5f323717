import { type Bindable, dispatch, joinCode, pipeline } from '../compute.ts';
import { kernelFamily } from '../kernelFamily.ts';
import { checkDims } from './checks.ts';
import { params } from './params.ts';
import drawCode from './sampleDraw.wgsl?raw';
import code from './sample.wgsl?raw';
import threadCode from './sampleThread.wgsl?raw';
import reduceCode from './reduce.wgsl?raw';

/** One row's sampling settings. temperature 0 (or topK 1) is greedy; topK 0 and topP 1 disable those filters. */
export interface SampleRow {
  temperature: number;
  topK?: number;
  topP?: number;
  /** With `step`, names the row's uniform draw: the same (seed, row, step) always draws the same number. */
  seed: number;
  step: number;
}

const ROW_BYTES = 20; // struct Row { temperature: f32, topP: f32, topK: u32, seed: u32, step: u32 }

/** The rows' settings in the kernel's struct layout, for uploadBuffer. */
export function packSampleRows(rows: readonly SampleRow[]): Uint8Array {
  const bytes = new Uint8Array(rows.length * ROW_BYTES);
  const view = new DataView(bytes.buffer);
  rows.forEach((r, i) => {
    const topP = r.topP ?? 1;
    if (!(r.temperature >= 0)) throw new Error(`sample row ${i}: temperature ${r.temperature} must be ≥ 0`);
    if (!(topP > 0 && topP <= 1)) throw new Error(`sample row ${i}: topP ${topP} must be in (0, 1]`);
    for (const [name, value] of [
      ['topK', r.topK ?? 0],
      ['seed', r.seed],
      ['step', r.step],
    ] as const) {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
        throw new Error(`sample row ${i}: ${name} ${value} is not a u32`);
    }
    const o = i * ROW_BYTES;
    view.setFloat32(o, r.temperature, true);
    view.setFloat32(o + 4, topP, true);
    view.setUint32(o + 8, r.topK ?? 0, true);
    view.setUint32(o + 12, r.seed >>> 0, true);
    view.setUint32(o + 16, r.step >>> 0, true);
  });
  return bytes;
}

export interface SampleArgs {
  logits: Bindable; // [B, V]
  rows: Bindable; // packSampleRows of B rows
  ids: Bindable; // [B] u32, written
  B: number;
  V: number;
}

/** Records the sampling of one token id per row of logits into `encoder`. */
export function sampleTokens(device: GPUDevice, encoder: GPUCommandEncoder, a: SampleArgs): void {
  checkDims('sampleTokens', { B: a.B, V: a.V });
  if (a.B > 65535) throw new Error(`sampleTokens: ${a.B} rows exceed one dispatch`);
  const bindings = [params(device, [a.B, a.V]), a.logits, a.rows, a.ids];
  // SwiftShader runs a workgroup as SIMD lanes and pays for every barrier between them: a thread walks a row alone
  // (256 rows × 1107 logits on 2 loaded cores: ~165 ms with 64 threads per row, ~17 with 4, ~12 with 1; top-p 0.9:
  // ~1.2 s, 250 ms, 100 ms).
  if (kernelFamily(device) === 'emulator')
    return dispatch(device, encoder, pipeline(device, joinCode(drawCode, threadCode)), bindings, [Math.ceil(a.B / 64)]);
  // Each pass walks V / threads logits per thread; small vocabularies need fewer threads (and barriers cost per thread).
  const threads = a.V >= 16384 ? 256 : 64;
  dispatch(device, encoder, pipeline(device, joinCode(reduceCode, drawCode, code), { WG: threads }), bindings, [a.B]);
}
