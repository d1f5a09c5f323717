// The paper's problem set through a local stand-in for datasets-server (tests never download): pages are
// cached, so a second load downloads nothing; the result says its size; the generator's preset is set beside
// the ranges measured on the rows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTDOWN_RL_PRESET, generateCountdownProblems } from '../../src/tasks/countdown.ts';
import {
  fittedPreset,
  loadCountdownTasks,
  measureRanges,
  presetDifferences,
  type PageCache,
} from '../../src/tasks/countdownTasks.ts';

let server: Server;
let rowsUrl = '';
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    asked.push(req.url ?? '');
    const offset = Number(q.get('offset'));
    const rows = Array.from({ length: Number(q.get('length')) }, (_, i) => ({
      row_idx: offset + i,
      row: { target: 3 + ((offset + i) % 97), nums: (offset + i) % 2 ? [1, 50, 99] : [2, 7, 40, 60] },
    }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ rows }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rowsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rows`;
});
afterAll(() => server.close());

function memoryCache(): PageCache & { pages: Map<string, string> } {
  const pages = new Map<string, string>();
  return { pages, get: async (url) => pages.get(url), put: async (url, body) => void pages.set(url, body) };
}

describe('Countdown-Tasks-3to4 loader', () => {
  it('downloads each page once, then reads it from the cache, and gives its size', async () => {
    const cache = memoryCache();
    const first = await loadCountdownTasks({ count: 250, offset: 327_680, rowsUrl, cache });
    expect(first.problems).toHaveLength(250);
    expect(first.source).toBe('Jiayi-Pan/Countdown-Tasks-3to4 train rows 327680..327929');
    expect(asked).toHaveLength(3);
    expect(first.bytes).toBeGreaterThan(1000);
    expect(first.downloadedBytes).toBe(first.bytes);
    const again = await loadCountdownTasks({ count: 250, offset: 327_680, rowsUrl, cache });
    expect(asked).toHaveLength(3); // nothing new was asked of the server
    expect(again).toMatchObject({ problems: first.problems, bytes: first.bytes, downloadedBytes: 0 });
  });

  it('measures the ranges of the rows and says where the generator preset differs', async () => {
    const { problems } = await loadCountdownTasks({ count: 200, rowsUrl, cache: memoryCache() });
    const measured = measureRanges(problems);
    expect(measured).toMatchObject({ rows: 200, numberRange: [1, 99], targetRange: [3, 99] });
    expect(measured.sizes[3]).toBeCloseTo(0.5);
    const diff = presetDifferences(COUNTDOWN_RL_PRESET, measured);
    expect(diff).toEqual(['targets: generator 10-99, data set 3-99 (200 rows)']);
  });

  it('fits the offline generator to the ranges measured on the rows read before, mix of sizes included', async () => {
    const offline = (async () => {
      throw new Error('getaddrinfo ENOTFOUND');
    }) as typeof fetch;
    const cache = memoryCache();
    // Never read here: the generator's default preset.
    const unfitted = await loadCountdownTasks({ count: 4, seed: 3, rowsUrl, cache, fetchFn: offline });
    expect(unfitted.source).toMatch(/^local generator \(preset countdown-3to4, seed 3\)/);

    await loadCountdownTasks({ count: 200, rowsUrl, cache });
    await loadCountdownTasks({ count: 50, rowsUrl, cache }); // fewer rows do not replace the measurement
    const fitted = await loadCountdownTasks({ count: 400, seed: 3, rowsUrl, cache, fetchFn: offline });
    expect(fitted.source).toMatch(
      /^local generator \(preset fitted to 200 rows of Jiayi-Pan\/Countdown-Tasks-3to4, seed 3\); .* ENOTFOUND/,
    );
    const measured = measureRanges(fitted.problems);
    // The stand-in's rows: numbers 1-99, targets 3-99, half with 3 numbers and half with 4.
    expect(measured.numberRange[0]).toBeGreaterThanOrEqual(1);
    expect(measured.numberRange[1]).toBeLessThanOrEqual(99);
    expect(measured.targetRange[0]).toBeLessThan(10); // below the default preset's 10
    expect(measured.targetRange[1]).toBeLessThanOrEqual(99);
    expect(measured.sizes[3]).toBeGreaterThan(0.4);
    expect(measured.sizes[4]).toBeGreaterThan(0.4);
    expect(fittedPreset(measureRanges((await loadCountdownTasks({ count: 200, rowsUrl, cache })).problems))).toEqual({
      name: 'fitted to 200 rows of Jiayi-Pan/Countdown-Tasks-3to4',
      sizes: [3, 4],
      sizeShares: [expect.closeTo(0.5), expect.closeTo(0.5)],
      numberRange: [1, 99],
      targetRange: [3, 99],
    });
  });

  it('draws sizes in the measured mix: 90% 3-number problems when the rows were', () => {
    const problems = generateCountdownProblems({
      count: 500,
      seed: 4,
      preset: { name: 'mix', sizes: [3, 4], sizeShares: [0.9, 0.1], numberRange: [1, 99], targetRange: [3, 99] },
    });
    const three = problems.filter((p) => p.numbers.length === 3).length / problems.length;
    expect(three).toBeGreaterThan(0.85);
    expect(three).toBeLessThan(0.95);
    expect(() =>
      generateCountdownProblems({
        count: 1,
        seed: 1,
        preset: { name: 'bad', sizes: [3, 4], sizeShares: [0.9], numberRange: [1, 9], targetRange: [1, 9] },
      }),
    ).toThrow(/sizeShares must give each size a share, summing to 1/);
  });
});
