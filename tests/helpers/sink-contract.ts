/**
 * What every storage sink must do, as one describe block: the `local` environment (a directory) rehearses
 * the same code paths as staging and live (S3), so both run these same tests —
 * tests/unit/storage/directory.test.ts and tests/integration/storage/s3.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sha256File } from '../../src/storage/hash.js';
import type { Sink } from '../../src/storage/sink.js';
import { tmpDir } from './tmp.js';

function file(bytes: Buffer): string {
  const f = path.join(tmpDir('releng-src-'), 'f');
  fs.writeFileSync(f, bytes);
  return f;
}

export function describeSinkContract(name: string, make: () => Sink): void {
  describe(`${name} sink`, () => {
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
      expect((await sink.list('odd/')).map((o) => o.key).sort()).toEqual(
        [...keys, 'odd/bytes [1].txt'].sort(),
      );
      for (const k of [...keys, 'odd/bytes [1].txt']) {
        expect(await sink.head(k), k).toEqual({ key: k, size: 3, sha256: meta.sha256 });
        expect((await sink.get(k))?.toString(), k).toBe('odd');
      }
    });

    test('keys that escape are refused', async () => {
      await expect(make().head('../x')).rejects.toThrow(/invalid object key/);
    });
  });
}
