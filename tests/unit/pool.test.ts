import { describe, expect, test } from 'vitest';
import { forEachLimit, mapLimit, Semaphore } from '../../src/pool.js';

describe('pool', () => {
  test('forEachLimit keeps the limit and reports the first failure after in-flight work ends', async () => {
    let inFlight = 0;
    let max = 0;
    const done: number[] = [];
    await expect(
      forEachLimit([1, 2, 3, 4, 5, 6, 7, 8], 3, async (i) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (i === 4) throw new Error('four');
        done.push(i);
      }),
    ).rejects.toThrow('four');
    expect(max).toBe(3);
    expect(done).not.toContain(8);
    const sem = new Semaphore(2);
    let now = 0;
    let peak = 0;
    await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        sem.use(async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setTimeout(r, 2));
          now--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  test('mapLimit keeps the order of its input whatever order the work ends in', async () => {
    const out = await mapLimit([30, 10, 20], 2, async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms * 2;
    });
    expect(out).toEqual([60, 20, 40]);
  });
});
