// The commands check every input and where they will write before writing anything: an output never replaces
// an input (the model folder, an adapter, the file being annotated) and never replaces an earlier output without
// --force. These refusals come before the GPU is touched, so the commands run here without one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function primer(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/primer.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

const root = mkdtempSync(join(tmpdir(), 'primer-outputs-'));
const modelDir = join(root, 'model');
mkdirSync(modelDir);
const modelFiles = { 'config.json': '{"model_type": "qwen2"}', 'model.safetensors': 'weights' };
for (const [name, text] of Object.entries(modelFiles)) writeFileSync(join(modelDir, name), text);
const data = join(root, 'data.jsonl');
writeFileSync(data, '{"prompt": "1+1=", "completion": "2"}\n');

/** The folder's files and their contents. */
const snapshot = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('commands that write', { timeout: 90_000 }, () => {
  it('grpo keeps an earlier rollouts.jsonl: refused without --force, and untouched when --model is bad', () => {
    const out = join(root, 'grpo');
    mkdirSync(out);
    writeFileSync(join(out, 'rollouts.jsonl'), '{"step": 0}\n');
    const refused = primer(['grpo', '--model', modelDir, '--steps', '2', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--out .*grpo already holds rollouts\.jsonl from an earlier run: pass --force/);
    const badModel = primer(['grpo', '--model', join(root, 'nowhere'), '--steps', '2', '--out', out, '--force']);
    expect(badModel.stderr).toMatch(/--model .*nowhere: no such directory/);
    expect(snapshot(out)).toEqual({ 'rollouts.jsonl': '{"step": 0}\n' });
  });

  it("sft never writes into the model's own folder or the adapter it starts from", () => {
    for (const args of [
      ['--method', 'full', '--out', modelDir],
      ['--out', `${modelDir}/`, '--force'],
      ['--adapter', join(root, 'adapter'), '--out', join(root, 'adapter')],
    ]) {
      const r = primer(['sft', '--model', modelDir, '--data', data, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^primer: --out .* is the --(model|adapter) folder or file being read/m);
    }
    expect(snapshot(modelDir)).toEqual(modelFiles);
  });

  it("sft refuses a folder holding an earlier run's adapter or checkpoints unless --force or --resume", () => {
    const out = join(root, 'sft');
    mkdirSync(out);
    writeFileSync(join(out, 'adapter_model.safetensors'), 'earlier');
    writeFileSync(join(out, 'checkpoint-4.bin'), 'earlier');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = primer(['sft', '--model', modelDir, '--data', data, '--out', out]);
    expect(r.stderr).toMatch(/already holds adapter_model\.safetensors, checkpoint-4\.bin from an earlier run/);
    const resumed = primer([
      'sft',
      '--model',
      modelDir,
      '--data',
      data,
      '--out',
      out,
      '--resume',
      join(root, 'no.bin'),
    ]);
    expect(resumed.stderr).toMatch(/--resume .*no\.bin: cannot read the file/);
    expect(snapshot(out)).toEqual({
      'adapter_model.safetensors': 'earlier',
      'checkpoint-4.bin': 'earlier',
      'notes.txt': 'mine',
    });
  });

  it('dataset and annotate replace an existing file only with --force, and never the file they read', () => {
    const file = join(root, 'set.jsonl');
    writeFileSync(file, 'keep me\n');
    const args = ['dataset', '--condition', 'all_strategies', '--count', '2', '--out', file];
    expect(primer(args).stderr).toMatch(/--out .*set\.jsonl already exists: pass --force to replace it/);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
    expect(primer([...args, '--force']).code).toBe(0);
    const written = readFileSync(file, 'utf8');
    expect(written.trim().split('\n')).toHaveLength(2);
    const annotate = primer(['annotate', '--jsonl', file, '--out', file, '--force']);
    expect(annotate.stderr).toMatch(/--out .*set\.jsonl is the --jsonl folder or file being read/);
    expect(readFileSync(file, 'utf8')).toBe(written);
  });
});
