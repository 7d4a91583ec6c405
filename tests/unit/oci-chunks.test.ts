import { expect, test } from 'vitest';
import { Registry, type RegistryOptions } from '../../src/oci/registry.js';

// Every layer's final PUT starts when the archives are checked; the chunk buffers they take must stay
// bounded per registry (unbounded, two 400 MB archives peaked at 220 MB RSS instead of ~165).
test('chunk buffers out at once are bounded per registry, and reused', async () => {
  const registry = new Registry({ host: 'localhost:1', chunkSize: 1024 } as unknown as RegistryOptions);
  const out = await Promise.all([1, 2, 3, 4].map(() => registry.acquireChunk()));
  let fifth: Buffer | undefined;
  const waiting = registry.acquireChunk().then((b) => {
    fifth = b;
  });
  await new Promise((r) => setTimeout(r, 20));
  expect(fifth).toBeUndefined();
  registry.releaseChunk(out[0]!);
  await waiting;
  expect(fifth).toBe(out[0]);
  for (const b of [...out.slice(1), fifth!]) registry.releaseChunk(b);
  expect(await registry.acquireChunk()).toHaveLength(1024);
});
