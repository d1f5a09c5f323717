// Where a model comes from, and how it becomes a Decoder on this device: built from scratch (no download),
// from a Hugging Face repo over HTTPS (cached in the browser), from a folder the user picked or dropped, or
// from a directory on disk (Node). Hub names may also be full URLs of a server laid out like the Hub (a local
// test server).
import { directoryHandleSource, fileListSource } from './load/fileSource.ts';
import { hubSource } from './load/hubSource.ts';
import { openModel } from './load/model.ts';
import type { ModelSource } from './load/source.ts';
import { Decoder } from './model/decoder.ts';
import { uploadFromReader, uploadWeights, type Quantization } from './model/gpuWeights.ts';
import { scratchConfig, scratchWeights } from './model/scratch.ts';
import { parseJsonObject, type TokenizerConfig } from './chatTemplate.ts';
import { ByteTokenizer, TextTokenizer, type Tokenizer } from './tokenizer.ts';
import type { OnProgress } from './progress.ts';

export type ModelSpec =
  | {
      source: 'scratch';
      layers: number;
      dim: number;
      heads: number;
      context: number;
      seed: number;
      /** The tokenizer's word pieces beyond bytes (fitPieces); absent: bytes only. */
      pieces?: string[];
    }
  | { source: 'hub'; name: string; quantization?: Quantization; token?: string; keepOutputF32?: boolean }
  | { source: 'path'; dir: string; quantization?: Quantization; idsOnly?: boolean; keepOutputF32?: boolean }
  /** A folder the user picked or dropped in the browser: its files, or (Chromium) its directory handle. */
  | {
      source: 'folder';
      name: string;
      files?: File[];
      handle?: FileSystemDirectoryHandle;
      quantization?: Quantization;
      keepOutputF32?: boolean;
    };

/** "org/name" on huggingface.co, or a URL ending in /org/name on a server with the Hub's layout. */
export function hubLocation(name: string): { endpoint?: string; repo: string } {
  if (!/^https?:\/\//.test(name)) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(name)) throw new Error(`"${name}" is not a Hugging Face repo id (org/name)`);
    return { repo: name };
  }
  const url = new URL(name);
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length < 2) throw new Error(`"${name}" must end in /org/name`);
  return {
    endpoint: `${url.origin}/${parts.slice(0, -2).join('/')}`.replace(/\/$/, ''),
    repo: parts.slice(-2).join('/'),
  };
}

function tokenizerOf(texts: Awaited<ReturnType<typeof openModel>>['texts'], where: string): Tokenizer {
  if (!texts['tokenizer.json'])
    throw new Error(`${where} has no tokenizer.json: Primer needs the model's tokenizer to sample`);
  return new TextTokenizer(texts['tokenizer.json'], texts['tokenizer_config.json'] ?? '{}');
}

async function sourceOf(
  spec: Exclude<ModelSpec, { source: 'scratch' }>,
  onProgress?: OnProgress,
): Promise<ModelSource> {
  if (spec.source === 'folder') {
    if (spec.handle) return directoryHandleSource(spec.handle);
    if (!spec.files?.length)
      throw new Error(`the folder "${spec.name}" must be picked again: run its model cell, or drop the folder onto it`);
    return fileListSource(spec.files, spec.name);
  }
  if (spec.source === 'path') {
    const name = './load/nodeSource.ts';
    const { nodeDirectorySource } = (await import(/* @vite-ignore */ name)) as typeof import('./load/nodeSource.ts');
    return nodeDirectorySource(spec.dir);
  }
  const { endpoint, repo } = hubLocation(spec.name);
  return hubSource({
    repo,
    endpoint,
    token: spec.token,
    onProgress: (p) =>
      onProgress?.({
        what: `bytes of ${p.file}`,
        done: p.bytes,
        total: p.total ?? p.bytes,
        rate: p.rate,
        secondsLeft: p.secondsLeft ?? undefined,
        download: true,
      }),
  });
}

export function specName(spec: ModelSpec): string {
  if (spec.source === 'scratch') return `scratch ${spec.layers}×${spec.dim}`;
  return spec.source === 'path' ? spec.dir : spec.name;
}

/** The model's tokenizer_config.json, read without its weights (a scratch model has none). */
export async function readTokenizerConfig(spec: ModelSpec): Promise<TokenizerConfig | undefined> {
  if (spec.source === 'scratch') return undefined;
  const source = await sourceOf(spec);
  if (!(await source.has('tokenizer_config.json'))) return undefined;
  return parseJsonObject(await source.readText('tokenizer_config.json'), 'tokenizer_config.json') as TokenizerConfig;
}

/** Loads a model onto `device`, reporting download and upload progress. */
export async function openDecoder(device: GPUDevice, spec: ModelSpec, onProgress?: OnProgress): Promise<Decoder> {
  if (spec.source === 'scratch') {
    const config = scratchConfig(spec);
    return new Decoder(
      device,
      uploadWeights(device, config, scratchWeights(config, spec.seed), 'f32'),
      new ByteTokenizer(spec.pieces),
      specName(spec),
    );
  }
  const loaded = await openModel(await sourceOf(spec, onProgress));
  // An ids-only caller (`primer logits`, `primer bench`) never tokenizes, so the folder needs no tokenizer
  // files; the Decoder holds a ByteTokenizer as a placeholder.
  const idsOnly = spec.source === 'path' && spec.idsOnly === true;
  const tokenizer = idsOnly ? new ByteTokenizer() : tokenizerOf(loaded.texts, specName(spec));
  // keepOutputF32: training reads the output projection in f32 (see UploadOptions).
  const onLayer = (done: number, total: number) => onProgress?.({ what: 'layers on the GPU', done, total });
  const weights = await uploadFromReader(device, loaded.weights, spec.quantization ?? 'q4', onLayer, {
    keepOutputF32: spec.keepOutputF32,
  });
  await loaded.weights.close();
  return new Decoder(device, weights, tokenizer, specName(spec));
}
