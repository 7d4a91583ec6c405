// The storage sinks against a real S3 server (s3rver, in a child process) and a real directory: one
// contract for both, since `local` rehearses the same code paths as staging and live.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DirectorySink } from '../../src/storage/directory.js';
import { sha256File } from '../../src/storage/hash.js';
import { parseS3Url, S3Sink } from '../../src/storage/s3.js';
import type { Sink } from '../../src/storage/sink.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { tmpDir } from '../helpers/tmp.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3(['releases']);
});
afterAll(async () => {
  await s3?.stop();
});

const s3Sink = (url = 's3://releases/lix', credentials = s3.credentials) =>
  new S3Sink({
    url,
    endpoint: s3.endpoint,
    region: 'garage',
    pathStyle: true,
    credentials,
    tuning: { partSize: 5 * 1024 * 1024, multipartThreshold: 5 * 1024 * 1024 },
  });

function file(bytes: Buffer): string {
  const f = path.join(tmpDir('releng-src-'), 'f');
  fs.writeFileSync(f, bytes);
  return f;
}

const sinks: [string, () => Sink][] = [
  ['directory', () => new DirectorySink(tmpDir('releng-sink-'))],
  ['s3', () => s3Sink()],
];

describe.each(sinks)('%s sink', (_, make) => {
  test('put, head with the stored sha256, list under a prefix, delete', async () => {
    const sink = make();
    const small = randomBytes(1000);
    const f = file(small);
    const meta = await sha256File(f);
    expect(meta.sha256).toBe(createHash('sha256').update(small).digest('hex'));
    expect(await sink.head('lix-2.93.0/a.txt')).toBeUndefined();
    await sink.put('lix-2.93.0/a.txt', f, meta);
    await sink.put('lix-2.93.0/sub/b.txt', f, meta);
    await sink.put('other/c.txt', f, meta);
    expect(await sink.head('lix-2.93.0/a.txt')).toEqual({
      key: 'lix-2.93.0/a.txt',
      size: 1000,
      sha256: meta.sha256,
    });
    expect((await sink.list('lix-2.93.0/')).map((o) => o.key)).toEqual([
      'lix-2.93.0/a.txt',
      'lix-2.93.0/sub/b.txt',
    ]);
    await sink.delete(['lix-2.93.0/a.txt']);
    expect(await sink.head('lix-2.93.0/a.txt')).toBeUndefined();
    expect((await sink.list('')).map((o) => o.key).sort()).toEqual(['lix-2.93.0/sub/b.txt', 'other/c.txt']);
  });

  test('a multipart-sized file round-trips with its sha256', async () => {
    const sink = make();
    const big = randomBytes(12 * 1024 * 1024 + 17);
    const f = file(big);
    const meta = await sha256File(f);
    await sink.put('big.bin', f, meta);
    expect(await sink.head('big.bin')).toEqual({ key: 'big.bin', size: big.length, sha256: meta.sha256 });
  });

  test('keys with spaces, reserved and non-ASCII characters round-trip (signed PUT, SDK LIST/HEAD/GET)', async () => {
    const sink = make();
    const f = file(Buffer.from('odd'));
    const meta = await sha256File(f);
    const keys = ["odd/a b+c(1)!*'~.html", 'odd/ünï©ødé.txt', 'odd/q?x=1&y#z', 'odd/pct%20.txt'];
    for (const k of keys) await sink.put(k, f, meta);
    await sink.putBytes('odd/bytes [1].txt', Buffer.from('odd'), meta);
    expect((await sink.list('odd/')).map((o) => o.key).sort()).toEqual([...keys, 'odd/bytes [1].txt'].sort());
    for (const k of [...keys, 'odd/bytes [1].txt']) {
      expect(await sink.head(k), k).toEqual({ key: k, size: 3, sha256: meta.sha256 });
      expect((await sink.get(k))?.toString(), k).toBe('odd');
    }
  });

  test('keys that escape are refused', async () => {
    await expect(make().head('../x')).rejects.toThrow(/invalid object key/);
  });
});

describe('s3 sink errors are one line naming the place and what to do', () => {
  test('wrong credentials', async () => {
    const sink = s3Sink('s3://releases', { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret-value' });
    const err = await sink.list('').catch((e: Error) => e);
    expect(String(err)).toMatch(
      /S3 s3:\/\/releases\/ at http:\/\/127\.0\.0\.1:\d+: .*; check the S3 credentials/,
    );
    expect(String(err)).not.toContain('wrong-secret-value');
  });
  test('a bucket that does not exist', async () => {
    const err = await s3Sink('s3://missing-bucket')
      .list('')
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/NoSuchBucket.*create the bucket or fix the environment/);
  });
  test('S3 URLs are parsed strictly', () => {
    expect(parseS3Url('s3://staging-cache/a/b/')).toEqual({ bucket: 'staging-cache', prefix: 'a/b/' });
    expect(() => parseS3Url('https://x')).toThrow(
      "'https://x' is not an S3 location; write s3://bucket or s3://bucket/prefix",
    );
  });
});
