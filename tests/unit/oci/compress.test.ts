import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { CompressionPool, crc32Combine, createCompressor, zstdAvailable } from '../../../src/oci/compress.js';

const pool = new CompressionPool(2);
afterAll(() => pool.close());

/** Text-like and random bytes mixed, so that blocks compress differently. */
function sample(n: number, seed = 'x'): Buffer {
  const out = Buffer.alloc(n);
  let h = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    h = createHash('sha256').update(h).digest();
    if ((i >> 12) % 3 === 0) h.copy(out, i);
    else out.write(`line ${i} of ${seed}\n`.padEnd(32, ' '), i);
  }
  return out;
}

async function compress(
  data: Buffer,
  o: { level?: number; blockSize?: number; piece?: number; compression?: 'gzip' | 'zstd' } = {},
) {
  const parts: Buffer[] = [];
  const c = createCompressor({
    compression: o.compression ?? 'gzip',
    level: o.level ?? 1,
    pool,
    blockSize: o.blockSize,
    out: (b) => {
      parts.push(Buffer.from(b));
    },
  });
  const piece = o.piece ?? 65536;
  for (let i = 0; i < data.length; i += piece) await c.write(data.subarray(i, i + piece));
  await c.end();
  return Buffer.concat(parts);
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('parallel gzip', () => {
  const data = sample(5 * 1024 * 1024 + 12345);

  test('one gzip stream that gunzip (and GNU gzip) read back exactly', async () => {
    const gz = await compress(data, { blockSize: 256 * 1024 });
    expect(zlib.gunzipSync(gz).equals(data)).toBe(true);
    expect(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 << 20 }).equals(data)).toBe(true);
    // Header without name or time: nothing in it depends on the machine or the moment.
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  });

  test('deterministic: same input, level and block size → same bytes, however the input arrives', async () => {
    const a = await compress(data, { piece: 65536 });
    const b = await compress(data, { piece: 1_000_003 });
    const c = await compress(data, { piece: 4096 * 3 + 1 });
    expect(digest(a)).toBe(digest(b));
    expect(digest(a)).toBe(digest(c));
  });

  test('blocks are primed with the previous block: about as small as one deflate stream', async () => {
    const blocks = await compress(data, { level: 6, blockSize: 128 * 1024 });
    const single = zlib.gzipSync(data, { level: 6 });
    expect(blocks.length).toBeLessThan(single.length * 1.01);
  });

  test('levels trade size for speed', async () => {
    const l1 = await compress(data, { level: 1 });
    const l9 = await compress(data, { level: 9 });
    expect(l9.length).toBeLessThan(l1.length);
    expect(zlib.gunzipSync(l9).equals(data)).toBe(true);
  });

  test('empty and tiny inputs', async () => {
    expect(zlib.gunzipSync(await compress(Buffer.alloc(0))).length).toBe(0);
    expect(zlib.gunzipSync(await compress(Buffer.from('x'))).toString()).toBe('x');
  });

  test('CRC-32 of a concatenation from the parts (the workers hash blocks apart)', () => {
    const a = randomBytes(100_000);
    const b = randomBytes(77_777);
    const whole = zlib.crc32(Buffer.concat([a, b]));
    expect(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length)).toBe(whole);
    expect(crc32Combine(0, zlib.crc32(b), b.length)).toBe(zlib.crc32(b));
    expect(crc32Combine(zlib.crc32(a), 0, 0)).toBe(zlib.crc32(a));
  });
});

describe('zstd', () => {
  // One test whatever the runtime: Node 20 has no zstd in zlib (it must be refused clearly), Node 22.15+
  // and 24 have it (concatenated frames must round-trip, deterministically).
  test(
    zstdAvailable()
      ? 'concatenated frames decompress to the input'
      : 'refused clearly where the runtime has no zstd',
    async () => {
      if (!zstdAvailable()) {
        expect(() => createCompressor({ compression: 'zstd', level: 3, pool, out: () => {} })).toThrow(
          /zstd compression needs Node 22\.15/,
        );
        return;
      }
      const data = sample(3 * 1024 * 1024);
      const z = await compress(data, { compression: 'zstd', level: 3, blockSize: 1 << 20 });
      const unzstd = (zlib as unknown as { zstdDecompressSync: (b: Buffer) => Buffer }).zstdDecompressSync;
      expect(unzstd(z).equals(data)).toBe(true);
      expect(digest(await compress(data, { compression: 'zstd', level: 3, blockSize: 1 << 20 }))).toBe(
        digest(z),
      );
    },
  );
});
