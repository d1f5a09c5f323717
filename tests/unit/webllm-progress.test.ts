import { describe, expect, it } from 'vitest';
import { WebLlmGenerator } from '../../src/generators/webllm/generator.ts';
import { mapInitProgress, type LoadProgress } from '../../src/generators/webllm/progress.ts';
import { prebuiltModel, WebLlmStandIn } from '../support/webllmStandIn.ts';

const MIB = 2 ** 20;
const MODEL = 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC';

describe('mapInitProgress', () => {
  it('reads bytes, rate and time left from a download report', () => {
    const text =
      'Fetching param cache[3/24]: 40MB fetched. 12% completed, 10 secs elapsed. It can take a while when we first visit this page to populate the cache. Later refreshes will become faster.';
    const p = mapInitProgress({ progress: 0.125, timeElapsed: 10, text }, MODEL);
    expect(p.what).toBe('downloading weights');
    expect(p.done).toBe(40 * MIB);
    expect(p.total).toBe(320 * MIB);
    expect(p.fraction).toBe(0.125);
    expect(p.rate).toBe(4 * MIB);
    expect(p.secondsLeft).toBe(70);
    expect(p.text).toBe(`Downloading ${MODEL}: 42 of 336 MB (12%), 4 MB/s, about 70 s left.`);
  });

  it('reads the load onto the GPU', () => {
    const p = mapInitProgress(
      {
        progress: 0.5,
        timeElapsed: 2,
        text: 'Loading model from cache[12/24]: 160MB loaded. 50% completed, 2 secs elapsed.',
      },
      MODEL,
    );
    expect(p).toMatchObject({
      what: 'loading weights onto the GPU',
      done: 160 * MIB,
      total: 320 * MIB,
      fraction: 0.5,
      rate: 80 * MIB,
      secondsLeft: 2,
    });
  });

  it('gives no rate before a second has passed, and no total before any progress', () => {
    const early = mapInitProgress(
      {
        progress: 0.01,
        timeElapsed: 0,
        text: 'Fetching param cache[1/24]: 4MB fetched. 1% completed, 0 secs elapsed.',
      },
      MODEL,
    );
    expect(early.rate).toBeUndefined();
    expect(early.secondsLeft).toBeUndefined();
    expect(early.text).toBe(`Downloading ${MODEL}: 4 of 419 MB (1%).`);
    const none = mapInitProgress(
      { progress: 0, timeElapsed: 3, text: 'Fetching param cache[0/24]: 0MB fetched. 0% completed, 3 secs elapsed.' },
      MODEL,
    );
    expect(none.total).toBeUndefined();
  });

  it('counts shader modules, and knows the start, the end and anything else', () => {
    expect(
      mapInitProgress(
        {
          progress: 40 / 86,
          timeElapsed: 4,
          text: 'Loading GPU shader modules[40/86]: 46% completed, 4 secs elapsed.',
        },
        MODEL,
      ),
    ).toMatchObject({
      what: 'compiling GPU shaders',
      done: 40,
      total: 86,
      rate: 10,
      text: `Compiling GPU shaders for ${MODEL}: 40 of 86.`,
    });
    expect(mapInitProgress({ progress: 0, timeElapsed: 0, text: 'Start to fetch params' }, MODEL)).toMatchObject({
      what: 'downloading weights',
      fraction: 0,
    });
    expect(
      mapInitProgress({ progress: 1, timeElapsed: 9, text: 'Finish loading on WebGPU - NVIDIA RTX 4070' }, MODEL),
    ).toEqual({
      what: 'ready',
      done: 1,
      total: 1,
      fraction: 1,
      text: `${MODEL} is ready on WebGPU - NVIDIA RTX 4070.`,
    });
    expect(mapInitProgress({ progress: 0.3, timeElapsed: 1, text: 'Something new' }, MODEL)).toMatchObject({
      what: 'starting',
      fraction: 0.3,
      text: `Starting ${MODEL}: Something new`,
    });
  });
});

describe('WebLlmGenerator load progress', () => {
  it("forwards WebLLM's reports: download, load onto the GPU, ready; a cached model skips the download", async () => {
    const standIn = new WebLlmStandIn();
    const model = prebuiltModel('Qwen/Qwen2.5-0.5B-Instruct');
    standIn.publishTiny(model.record);
    const load = async () => {
      const seen: LoadProgress[] = [];
      const generator = new WebLlmGenerator({
        model,
        createEngine: standIn.createEngine,
        caches: null,
        onProgress: (p) => seen.push(p),
      });
      await generator.load();
      await generator.unload();
      return seen;
    };
    const first = await load();
    const phases = [...new Set(first.map((p) => p.what))];
    expect(phases).toEqual(['downloading weights', 'loading weights onto the GPU', 'compiling GPU shaders', 'ready']);
    const downloads = first.filter((p) => p.what === 'downloading weights').map((p) => p.fraction);
    expect(downloads.length).toBeGreaterThan(2);
    expect(downloads).toEqual([...downloads].sort((a, b) => a - b));
    expect(downloads.at(-1)).toBe(1);
    const second = await load();
    expect(second.filter((p) => p.what === 'downloading weights').map((p) => p.fraction)).toEqual([0]);
    expect(second.at(-1)?.what).toBe('ready');
  });
});
