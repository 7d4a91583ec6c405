import { expect, test } from 'vitest';
import { ChunkPool } from '../../../src/oci/chunk-pool.js';

// Every layer's final PUT starts when the archives are checked; the chunk buffers they take must stay
// bounded per registry, whatever the number of layers.
test('chunk buffers out at once are bounded per registry, and reused', async () => {
  const pool = new ChunkPool(1024);
  const out = await Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
  let fifth: Buffer | undefined;
  const waiting = pool.acquire().then((b) => {
    fifth = b;
  });
  await new Promise((r) => setTimeout(r, 20));
  expect(fifth).toBeUndefined();
  pool.release(out[0]!);
  await waiting;
  expect(fifth).toBe(out[0]);
  for (const b of [...out.slice(1), fifth!]) pool.release(b);
  expect(await pool.acquire()).toHaveLength(1024);
});

test('with(): the buffer goes back when the work settles, failed or not', async () => {
  const pool = new ChunkPool(16, 1);
  let held: Buffer | undefined;
  await expect(
    pool.with(async (b) => {
      held = b;
      throw new Error('request failed');
    }),
  ).rejects.toThrow('request failed');
  // The one buffer is free again, and it is the same one.
  expect(await pool.with(async (b) => b)).toBe(held);
});
