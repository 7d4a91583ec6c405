import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { readAhead } from '../../../src/oci/read-ahead.js';

describe('readAhead', () => {
  test('hands on every chunk in order, as the stream made them', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    const got: Buffer[] = [];
    for await (const c of readAhead(Readable.from(chunks, { objectMode: false }), 4096)) got.push(c);
    expect(got.map((c) => c.length)).toEqual(chunks.map((c) => c.length));
    expect(Buffer.concat(got).equals(Buffer.concat(chunks))).toBe(true);
  });

  test('reads ahead while the consumer waits, up to the bound, then pauses the stream', async () => {
    const s = new PassThrough({ highWaterMark: 1024 });
    let written = 0;
    const feed = (async () => {
      for (let i = 0; i < 64; i++) {
        written += 1024;
        if (!s.write(Buffer.alloc(1024, i))) await new Promise((r) => s.once('drain', r));
      }
      s.end();
    })();
    const it = readAhead(s, 8192)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.length).toBe(1024);
    // The consumer is busy: the producer runs on until the bound (plus what the stream's own buffers hold).
    await sleep(50);
    expect(written).toBeGreaterThanOrEqual(8 * 1024);
    expect(written).toBeLessThan(64 * 1024);
    let total = first.value!.length;
    for (let r = await it.next(); !r.done; r = await it.next()) total += r.value.length;
    await feed;
    expect(total).toBe(64 * 1024);
  });

  test('a stream error reaches the consumer, even with chunks still queued', async () => {
    const s = new PassThrough();
    const it = readAhead(s, 1 << 20)[Symbol.asyncIterator]();
    s.write(Buffer.from('abc'));
    expect((await it.next()).value?.toString()).toBe('abc');
    s.write(Buffer.from('def'));
    s.destroy(new Error('corrupt'));
    await sleep(5);
    await expect(it.next()).rejects.toThrow('corrupt');
  });

  test('an error before the first read is not lost', async () => {
    const s = new PassThrough();
    s.on('error', () => {});
    s.destroy(new Error('early'));
    await sleep(5);
    await expect(readAhead(s, 1024).next()).rejects.toThrow('early');
  });

  test('a consumer that stops early destroys the stream', async () => {
    const s = Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], { objectMode: false });
    for await (const _ of readAhead(s, 1024)) break;
    expect(s.destroyed).toBe(true);
  });
});
