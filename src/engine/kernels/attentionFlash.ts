// The gpu family's flash attention (prefill and training): the forward (attentionFlash.wgsl) and the backward's
// two passes (attentionFlashQuery.wgsl, attentionFlashKeyValue.wgsl), each a workgroup per block of 16 rows and
// head, streaming tiles of partner rows through workgroup memory (flashTile.wgsl). attention() and
// attentionBackward() route here for the gpu family, after checking the shapes.
import { dispatch, joinCode, pipeline, placeholderBuffer } from '../compute.ts';
import { attentionWork, keyBound, layoutParams, resolvedLayout, type AttentionArgs } from './attention.ts';
import type { AttentionBackwardArgs } from './attentionBackward.ts';
import { params } from './params.ts';
import tile from './flashTile.wgsl?raw';
import forwardCode from './attentionFlash.wgsl?raw';
import queryCode from './attentionFlashQuery.wgsl?raw';
import keyValueCode from './attentionFlashKeyValue.wgsl?raw';

const ROWS = 16; // rows of a workgroup's block (flashTile.wgsl)
const LANES = 4;
const TILES = [32, 16, 8, 4];

type FlashKernel = 'forward' | 'query' | 'keyValue';

/** Workgroup-memory bytes of `kernel` with tiles of `tile` rows (its var<workgroup> declarations, summed). */
export function flashTileBytes(kernel: FlashKernel, tile: number, headDim: number): number {
  const rowsOfHeads = 2 * tile * headDim * 4; // two tiles of partner rows (k, v or q, dO)
  const partials = ROWS * LANES * tile * (kernel === 'forward' ? 4 : 8);
  const perPair = ROWS * tile * (kernel === 'keyValue' ? 8 : 4); // scores, dS, or (P, dS)
  const small = kernel === 'keyValue' ? tile * 8 + 4 : 12; // (lse, Δ) per tile row, the block's span, a flag
  return rowsOfHeads + partials + perPair + small;
}

/** The largest tile whose workgroup memory fits the device's limit (16 KiB at least, by the WebGPU spec). */
export function flashTile(device: GPUDevice, kernel: FlashKernel, headDim: number): number {
  const limit = device.limits.maxComputeWorkgroupStorageSize;
  const fits = TILES.find((t) => flashTileBytes(kernel, t, headDim) <= limit);
  if (fits === undefined) throw new Error(`attention: no flash tile fits ${limit} bytes of workgroup memory`);
  return fits;
}

function blocks(R: number): number {
  const n = Math.ceil(R / ROWS);
  if (n > 65535) throw new Error(`attention: ${R} rows exceed one flash-attention dispatch (${65535 * ROWS})`);
  return n;
}

function dims(device: GPUDevice, a: Parameters<typeof resolvedLayout>[0], dvInDk: boolean) {
  const l = resolvedLayout(a);
  return params(device, [...layoutParams(l), dvInDk ? 1 : 0, { f32: 1 / Math.sqrt(a.headDim) }]);
}

function flashPipeline(device: GPUDevice, kernel: FlashKernel, code: string, headDim: number) {
  return pipeline(device, joinCode(tile, code), { HEAD_DIM: headDim, TILE: flashTile(device, kernel, headDim) });
}

/** Records the forward (shapes checked by attention()). */
export function attentionFlash(device: GPUDevice, encoder: GPUCommandEncoder, a: AttentionArgs): void {
  dispatch(
    device,
    encoder,
    flashPipeline(device, 'forward', forwardCode, a.headDim),
    [dims(device, a, false), a.q, a.k, a.v, a.keys, a.o, a.lse],
    [blocks(a.R), a.nHeads],
    attentionWork(a, keyBound(a), 4),
  );
}

/** Records dQ (and Δ), then dK and dV (shapes checked by attentionBackward()). */
export function attentionFlashBackward(device: GPUDevice, encoder: GPUCommandEncoder, a: AttentionBackwardArgs): void {
  const d = dims(device, a, !a.dV);
  const shared = [d, a.q, a.k, a.v, a.dO, a.lse, a.keys];
  const keys = a.maxKeys ?? keyBound(a);
  dispatch(
    device,
    encoder,
    flashPipeline(device, 'query', queryCode, a.headDim),
    [...shared, a.o, a.delta, a.dQ],
    [blocks(a.R), a.nHeads],
    attentionWork(a, keys, 6), // S, dP and dQ
  );
  dispatch(
    device,
    encoder,
    flashPipeline(device, 'keyValue', keyValueCode, a.headDim),
    [...shared, a.delta, a.dK, a.dV ?? placeholderBuffer(device)],
    [blocks(a.R), a.nKvHeads],
    attentionWork(a, keys, 8), // S, dP, dV and dK
  );
}
