import { describe, expect, it } from 'vitest';
import { initLoraAdapter, type LoraAdapter } from '../../src/engine/lora/adapter.ts';
import { loraConfig } from '../../src/engine/lora/config.ts';
import { writeSafetensors } from '../../src/engine/load/safetensorsWriter.ts';
import { adamwStepRef } from '../../src/engine/reference/adamw.ts';
import { DEFAULT_ADAMW } from '../../src/engine/train/adamw.ts';
import { readCheckpoint, writeCheckpoint, type TrainCheckpoint } from '../../src/engine/train/checkpoint.ts';
import { Rng } from '../../src/engine/train/rng.ts';

const model = { hiddenSize: 8, intermediateSize: 12, numHeads: 2, numKvHeads: 1, headDim: 4, numLayers: 2 };
const runConfig = { kind: 'grpo', lr: 1e-5, groups: [8, 4], notes: null, schedule: { kind: 'constant' } };

/** A toy run: each step draws gradients for every A and B from the run's RNG, then takes an AdamW update. */
class ToyRun {
  rng: Rng;
  adapter: LoraAdapter;
  m: Float32Array[];
  v: Float32Array[];
  step = 0;

  constructor(from?: TrainCheckpoint) {
    this.rng = from ? Rng.fromState(from.rng) : new Rng(11);
    this.adapter = from?.adapter ?? initLoraAdapter(model, loraConfig({ rank: 2, targets: ['q', 'up'] }), 3);
    const tensors = this.adapter.modules.flatMap((m) => [m.a, m.b]);
    this.m = from?.optimizer.m ?? tensors.map((t) => new Float32Array(t.length));
    this.v = from?.optimizer.v ?? tensors.map((t) => new Float32Array(t.length));
    this.step = from?.step ?? 0;
  }

  train(steps: number): void {
    for (let s = 0; s < steps; s++) {
      const params = this.adapter.modules.flatMap((m) => [m.a, m.b]);
      const tensors = params.map((param, i) => ({
        param,
        m: this.m[i],
        v: this.v[i],
        grad: param.map(() => this.rng.uniform(-1, 1)),
      }));
      adamwStepRef(tensors, ++this.step, 1e-2, { ...DEFAULT_ADAMW, weightDecay: 0.01 });
    }
  }

  checkpoint(): TrainCheckpoint {
    return {
      step: this.step,
      rng: this.rng.state(),
      config: runConfig,
      adapter: this.adapter,
      optimizer: { step: this.step, m: this.m, v: this.v },
    };
  }
}

const bits = (xs: Float32Array[]) => xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

describe('training checkpoints', () => {
  it('round-trips every field exactly', () => {
    const run = new ToyRun();
    run.train(3);
    const original = run.checkpoint();
    const back = readCheckpoint(writeCheckpoint(original), model);
    expect(back.step).toBe(3);
    expect(back.rng).toEqual(original.rng);
    expect(back.config).toEqual(runConfig);
    expect(back.adapter.config).toEqual(original.adapter.config);
    expect(back.adapter.modules).toEqual(original.adapter.modules);
    expect(back.optimizer.step).toBe(3);
    expect(bits(back.optimizer.m)).toEqual(bits(original.optimizer.m));
    expect(bits(back.optimizer.v)).toEqual(bits(original.optimizer.v));
  });

  it('resumes bit-exactly: 2 steps + checkpoint + 3 steps = 5 steps straight', () => {
    const straight = new ToyRun();
    straight.train(5);
    const first = new ToyRun();
    first.train(2);
    const resumed = new ToyRun(readCheckpoint(writeCheckpoint(first.checkpoint()), model));
    resumed.train(3);
    const params = (r: ToyRun) => r.adapter.modules.flatMap((m) => [m.a, m.b]);
    expect(bits(params(resumed))).toEqual(bits(params(straight)));
    expect(bits(resumed.v)).toEqual(bits(straight.v));
    expect(resumed.rng.state()).toEqual(straight.rng.state());
  });

  it('rejects files that are not checkpoints, or do not fit the model, naming the cause', () => {
    const good = new ToyRun().checkpoint();
    expect(() => readCheckpoint(writeSafetensors({}, { format: 'pt' }), model)).toThrow(/not a Primer checkpoint/);
    expect(() => readCheckpoint(writeCheckpoint(good), { ...model, hiddenSize: 16 })).toThrow(
      /shape \[2,8\], expected \[2,16\]/,
    );
    expect(() => readCheckpoint(writeCheckpoint({ ...good, rng: [1.5] }), model)).toThrow(/"rng"/);
    expect(() =>
      readCheckpoint(
        writeCheckpoint({ ...good, optimizer: { ...good.optimizer, v: good.optimizer.v.slice(1) } }),
        model,
      ),
    ).toThrow(/m and v/);
    expect(() => readCheckpoint(writeCheckpoint({ ...good, step: -1 }), model)).toThrow(/"step"/);
  });

  it('refuses a damaged file: every single byte flipped, in the header or the tensors', { timeout: 60_000 }, () => {
    const bytes = writeCheckpoint(new ToyRun().checkpoint());
    expect(readCheckpoint(bytes, model).step).toBe(new ToyRun().checkpoint().step);
    const flipped = (i: number) => {
      const damaged = bytes.slice();
      damaged[i] ^= 0xff;
      return damaged;
    };
    for (let i = 0; i < bytes.length; i++)
      expect(() => readCheckpoint(flipped(i), model), `byte ${i} flipped`).toThrow(/checkpoint/);
    // A flipped weight still parses: only the checksum can tell.
    expect(() => readCheckpoint(flipped(bytes.length - 1), model)).toThrow(
      /the file is damaged \(its checksum is "[0-9a-f]{8}", its bytes give "[0-9a-f]{8}"\)/,
    );
  });
});
